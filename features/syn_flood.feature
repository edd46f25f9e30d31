# Seed 000 "DoS攻撃: コンピュータから一斉に大量のリクエストを送信し、サーバに負荷を
# かけて…接続不可の状態にする攻撃"; seed 001's DoS protection tab.
Feature: A SYN flood against the published web server (DoS攻撃)

  Scenario: one event for the episode, the excess dropped
    Given the scenario "syn-flood"
    When the twin runs for 1 hour
    Then the gateway logs 1 "DoS protection" detection against "FS-01"
    # 3,000 SYN/s for 10 s, counted in the gateway's one-second buckets:
    # the flood arrives 5 ms after each second starts (WAN latency), so its
    # last 15 SYNs fall in an eleventh bucket and pass; 1,000 a second pass.
    And DoS protection dropped 19985 packets
    And the gateway logs 0 "C&C callback" detections from "PC-01"
    And the "threat" log matches the golden file "syn-flood-threats"

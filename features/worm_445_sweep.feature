# Seed 000 "ワーム: マルウェアをほかの端末に拡散させる動きをするプログラム" and
# "IPS/IDS機能: …内部での不正な通信を検知・防御する".
Feature: A worm sweeping TCP 445 from an office PC (ワーム)

  Scenario: the sweep is reported once and the worm's probes are cut
    Given the scenario "worm-445-sweep"
    When the twin runs for 2 hours
    Then the gateway logs 1 "intrusion prevention" detection from "PC-05"
    And no host other than "PC-05" has "intrusion prevention" detections
    And the "intrusion prevention" log matches the golden file "worm-445-sweep-ips"

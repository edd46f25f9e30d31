# Seed 000 "インターネット経由の攻撃 > ポートスキャン" and the firewall
# ("送信元のIPアドレスやポート番号などの情報から、その通信を許可するかどうかを判断し、
# 内部ネットワークへの侵入を防ぐ"); seed 004 "設定により許可された通信のみを通過させ".
Feature: A port scan from the internet (ポートスキャン)

  Scenario: the scan is denied by the firewall and reported once
    Given the scenario "external-port-scan"
    When the twin runs for 2 hours
    Then the gateway logs 1 "intrusion prevention" detection from "203.0.113.66"
    And the gateway logs 1 "firewall" detection from "203.0.113.66"
    And no traffic from "203.0.113.66" reaches the office
    And the gateway logs 0 "firewall" detections from "PC-01"
    And the "threat" log matches the golden file "external-port-scan-threats"

  Scenario: a scan started by hand, in the words of DESIGN.md
    Given the scenario "external-port-scan"
    When the twin runs for 30 minutes
    And host "198.51.100.99" scans ports 20 to 445 of "FS-01"
    Then the gateway logs 1 "intrusion prevention" detection from "198.51.100.99"
    And the gateway logs 1 "intrusion prevention" detection against "FS-01"
    And no traffic from "198.51.100.99" reaches the office

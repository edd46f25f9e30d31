# Seed 000, FAQ Q2: "管理コンソールのデバイスリストに、会社の備品以外のデバイスが
# 表示された場合、対象デバイスをブロックする方法はございますか？" — "対象デバイスの
# IPアドレスもしくはMACアドレスを指定してブロックすることが可能です。"
Feature: An unknown device in the device list is blocked (デバイスリスト)

  Scenario: the phone appears in the device list, is blocked by MAC, and is cut off
    Given the scenario "unknown-device-blocked"
    When the twin runs for 50 minutes
    Then the device list shows 2 devices
    When the twin runs for 15 minutes
    Then the device list shows 3 devices
    And the device list shows "28:6c:07:5e:a1:33" at "192.168.1.120" made by "Xiaomi", OS "Android (DHCP)"
    And "28:6c:07:5e:a1:33" is not one of the office's devices
    And the device list shows "f4:6e:24:10:7d:22" at "192.168.1.12" made by "NEC Personal Computers", OS "Windows 7"
    When the twin runs for 110 minutes
    Then no traffic from "192.168.1.120" reaches the internet after the block
    And the gateway logs 9 "firewall" detections from "192.168.1.120"
    And the "threat" log matches the golden file "unknown-device-blocked-threats"

  Scenario: blocking by hand from the console
    Given the scenario "unknown-device-blocked"
    When the twin runs for 65 minutes
    And the device "28:6c:07:5e:a1:33" is blocked by its MAC address
    And the twin runs for 10 minutes
    Then no traffic from "192.168.1.120" reaches the internet after the block

  # The other half of Q2's answer: 「IPアドレス…を指定してブロックすることが可能です」.
  Scenario: blocking by hand from the console by IP address
    Given the scenario "unknown-device-blocked"
    When the twin runs for 65 minutes
    And the device at "192.168.1.120" is blocked by its IP address
    And the twin runs for 10 minutes
    Then no traffic from "192.168.1.120" reaches the internet after the block

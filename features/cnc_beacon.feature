# Seed 000, セキュリティサポート事例① (support case 1): on 2017-09-26 a Windows XP
# PC at 192.168.1.11 in a print shop (出版・印刷業, 20-30 staff) suddenly started
# calling C&C servers: 1,146 attempts in all, first lines 10:09:45, 10:11:21,
# 10:11:43, 10:11:59, 10:12:22. The gateway blocked them, the support desk was
# alerted, phoned the customer, identified the PC by its IP and had it unplugged
# (LANケーブル抜去); the traffic stopped.
Feature: C&C callbacks from the Windows XP PC (C&Cサーバへの通信)

  Scenario: every attempt is blocked and logged, and the desk is alerted at once
    Given the scenario "winxp-cnc-beacon"
    When the twin runs for 1 day
    Then the gateway logs 1146 "C&C callback" detections from "192.168.1.11"
    And no host other than "PC-XP" has "C&C callback" detections
    And the support desk receives a C&C alert naming "192.168.1.11" within 1 minute
    And no traffic from "192.168.1.11" reaches the internet
    # 「感染端末 : 1台(WindowsXP)」: the device list is where the desk learns it.
    And the device list shows "00:14:22:8e:5a:3b" at "192.168.1.11" made by "Dell", OS "Windows XP"
    And the "threat" log matches the golden file "winxp-cnc-beacon-threats"

  Scenario: the XP PC's browser gets the block page, the others get their pages
    Given the scenario "winxp-cnc-beacon"
    When the twin runs for 11 hours
    And host "PC-XP" opens "http://xxxsiebabanahujtr.org/login.asp"
    And host "PC-01" opens "http://www.print-shop.example/"
    Then host "PC-XP" gets the block page for "http://xxxsiebabanahujtr.org/login.asp" with reason "C&C list"
    And host "PC-01" receives the page "http://www.print-shop.example/"

  Scenario: unplugging the PC on the desk's advice stops the calls
    Given the scenario "winxp-cnc-beacon"
    When the twin runs for 11 hours
    Then the gateway logs 0 "C&C callback" detections from "PC-01"
    When host "PC-XP" is isolated from the network
    And the twin runs for 2 hours
    Then the "C&C callback" detections from "PC-XP" stop when it is isolated
    And no traffic from "192.168.1.11" reaches the internet

# Seed 004 (fact sheet): 「お客さまの端末のIPアドレスが固定となっていない場合など
# 感染端末が特定できない場合がございます」. Seed 000 case ① finds the PC by the
# IP address the desk gives (「不正通信が発生している端末のIPアドレスをお客様に
# 伝え、被疑端末を特定」): that works while the address stays the PC's.
Feature: An infected PC whose address is not fixed (IPアドレスが固定でない端末)

  Scenario: a PC renumbered by DHCP shows as two addresses, only the old one named; the device list ties them by MAC
    Given the scenario "dhcp-renumbered-cnc" without a packet capture
    When the twin runs to the end of the scenario
    Then the C&C section of the monthly report for "2017-11" lists "PC-05" as "192.168.1.16" and "192.168.1.60" without a name
    And the device list has "3c:d9:2b:77:10:f3" once, at "192.168.1.60"

# The XP PC of seed 000's support case ①, calling a server no list knows yet:
# beacon scoring (RITA's method; formula in appliance/src/inspect/beacon/mod.rs)
# catches it within the first hour, and an update service polling every 30
# minutes is not flagged. The C&C callback-host rule flags a PC with more than
# 50 C&C detections an hour.
Feature: Beacon scoring catches C&C on no list (C&Cコールバック)

  Scenario: the XP PC is caught by its schedule, the update poller is not
    Given the scenario "unlisted-cnc-beacon"
    When the twin runs for 4 hours
    Then the gateway logs 1 "C&C callback" detection from "PC-XP"
    And the first "C&C callback" detection from "PC-XP" is logged before "2017-10-06 11:00:00"
    And no host other than "PC-XP" has "C&C callback" detections
    And the "threat" log matches the golden file "unlisted-cnc-beacon-threats"

  Scenario: the listed XP PC of the spine is a C&C callback host
    Given the scenario "winxp-cnc-beacon"
    When the twin runs for 11 hours
    Then the device list flags "PC-XP" as a C&C callback host

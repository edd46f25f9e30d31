# Seed 000, FAQ Q3: logs are kept at most 62 days (ログの保持期間は最大62日間), and
# an export covers only the last 62 days; Q6: what is not kept per access is
# kept as statistics. The twin enforces both on its virtual clock.
Feature: Log retention (ログの保持期間)

  @long
  Scenario: after 63 days the first day's raw logs are gone and its statistics remain
    Given the scenario "winxp-cnc-beacon" without a packet capture
    When the twin runs for 63 days
    Then the raw logs of "2017-09-26" are gone
    And the statistics of "2017-09-26" count 1146 "C&C callback" detections from "192.168.1.11"
    And an export of "2017-09-26" is refused, explaining that logs are kept 62 days

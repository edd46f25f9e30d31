# The console in a real headless Chromium (Debian's chromium + chromedriver,
# driven over WebDriver): what a customer or a trainer sees. Tagged @browser:
# where Chromium or chromedriver is missing the runner reports these scenarios
# as skipped, not passed.
# @retry(1): these scenarios drive a real Chromium on a shared 2-core machine;
# a scenario that fails is run once more (the retry shows in the output),
# and fails the suite if it fails again.
@browser @retry(1)
Feature: The cloud console in a browser

  Scenario: log in and see the Windows XP PC lead the C&C widget
    Given the console on scenario "winxp-cnc-beacon" after 1 day
    When I log in to the console in Chromium
    Then the "cnc-users" widget is led by "PC-XP (192.168.1.11)" with 1146
    And the page shows "C&Cサーバへの接続を行った上位10件のユーザ"
    When I click "lang-switch"
    Then the page shows "Top 10 users calling C&C servers"

  Scenario: download the C&C log from the log analysis page
    Given the console on scenario "winxp-cnc-beacon" after 1 day
    When I log in to the console in Chromium
    And I download the log export in Chromium
    Then the downloaded CSV has 1146 rows

  Scenario: block the Windows XP PC by MAC and see its traffic stop (FAQ Q2)
    Given the console on scenario "winxp-cnc-beacon" after 11 hours
    When I log in to the console in Chromium
    And I block the device "192.168.1.11" by MAC in Chromium
    Then the page shows "ブロック中"
    When the console's twin runs for 2 hours
    Then no traffic from "192.168.1.11" reached the internet since the block

  Scenario: add the company's own site to the allow list and deploy all (support case ②)
    Given the console on scenario "misblocked-company-site" after 2 hours
    When the console's host "PC-05" opens "http://www.print-shop.example/movies/"
    Then the console's host "PC-05" gets the block page for "http://www.print-shop.example/movies/" with reason "category Streaming Media"
    When I log in to the console in Chromium
    And I add "www.print-shop.example" to the allow list in Chromium
    And I deploy all in Chromium
    Then the console shows the latest deployment as "成功" by way of "配信中 → 成功"
    And the console's gateway runs policy version 2
    When the console's host "PC-05" opens "http://www.print-shop.example/movies/"
    And the console's host "PC-06" opens "http://www.douga.example/"
    Then the console's host "PC-05" receives the page "http://www.print-shop.example/movies/"
    And the console's host "PC-06" gets the block page for "http://www.douga.example/" with reason "category Streaming Media"

  # After the month's end (1 October), when the report was mailed: the
  # archive gives the same report as the mail, and the same golden file.
  Scenario: download the September 2017 report again from the archive (support case ③)
    Given the console on scenario "winxp-cnc-beacon" after 5 days
    When I log in to the console in Chromium
    And I open "/reports" in Chromium
    Then the page shows "2017-09"
    When I download the monthly report "2017-09" as "json" in Chromium
    Then the downloaded report is a "application/json" file named "CloudEdge50-printshop-report-2017-09.json"
    And the downloaded report's C&C section is led by "192.168.1.11" with 1146
    When I download the monthly report "2017-09" as "md" in Chromium
    Then the downloaded report says "| 1 | 192.168.1.11 | PC-XP | 1,146 | 100.0% |"
    And the downloaded report matches the golden file "winxp-cnc-beacon-report-2017-09"
    When I download the monthly report "2017-09" as "html" in Chromium
    Then the downloaded report is a "text/html" file named "CloudEdge50-printshop-report-2017-09.html"
    And the downloaded report says "192.168.1.11"
    And the downloaded report says "1,146"

  Scenario: screenshots of the console's pages, as `officetwin console --screenshot DIR` writes them
    Given the console on scenario "winxp-cnc-beacon" after 1 day
    When I take the console's screenshots
    Then there is a 1400-pixel-wide PNG screenshot of each of "dashboard, logs, internet-access, devices, policies, reports, demo"

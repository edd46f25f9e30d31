# The console in a real headless Chromium (Debian's chromium + chromedriver,
# driven over WebDriver): what a customer or a trainer sees.
Feature: The cloud console in a browser

  Scenario: log in and see the Windows XP PC lead the C&C widget
    Given the console on scenario "winxp-cnc-beacon" after 1 day
    When I log in to the console in Chromium
    Then the "cnc-users" widget is led by "PC-XP (192.168.1.11)" with 1146
    And the "top-blocked-users" widget is led by "PC-XP (192.168.1.11)" with 1146
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

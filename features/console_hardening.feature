# The cloud console (管理コンソール) of seed 000 under hostile requests (issue
# 15, a hostile-input campaign on a96069e). Seed 000: "管理コンソールには
# アカウントとパスワードでログインする" (account and password, アカウント /
# パスワード): the login must stay the office's, so a page of another site
# must not reach it, not even through a DNS name rebound to 127.0.0.1, and
# no answer may send the browser elsewhere or let another site frame it.
Feature: The cloud console refuses hostile requests

  Scenario: a page reached through a DNS name rebound to 127.0.0.1 cannot lock the account
    Given the console on scenario "winxp-cnc-beacon" after 1 hour
    When a page of "evil.example:8080" rebound to the console logs in as "TMF0000001" with the password "guess" 5 times
    Then the console answers 421
    When someone logs in as "TMF0000001" with the password "omakase-2017" 1 times
    Then the console answers 303

  Scenario: only a path of the console is a redirect target, however a browser reads it
    Given the console on scenario "winxp-cnc-beacon" after 1 hour
    When I log in to the console
    And I switch the language to "en" coming back to "/\evil.example"
    Then the console redirects to "/dashboard"
    When I switch the language to "en" coming back to "/\t/evil.example"
    Then the console redirects to "/dashboard"
    When I switch the language to "ja" coming back to "/logs"
    Then the console redirects to "/logs"

  Scenario: every page says it may not be framed and where its content may come from
    Given the console on scenario "winxp-cnc-beacon" after 1 hour
    When I log in to the console
    And I GET "/dashboard"
    Then the console answers 200
    And the answer has the header "X-Frame-Options" saying "DENY"
    And the answer has the header "Content-Security-Policy" saying "frame-ancestors 'none'"
    When I GET "/dashboard" with the Host "evil.example"
    Then the console answers 421
    And the answer has the header "X-Frame-Options" saying "DENY"

  Scenario: a security profile nested 100,000 levels deep is refused at once with its place
    Given the console on scenario "misblocked-company-site" after 2 hours
    When I log in to the console
    And I save a security profile nested 100000 levels deep
    Then the console answers 422
    And the page says "security-profile:2:"
    And the page says "nests deeper than 64 levels"

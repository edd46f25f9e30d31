# Seed 000, FAQ Q5: the company's own web site shows up among the malicious
# sites of the monthly report; the likely reason is an expired SSL
# certificate. The gateway reads the certificate the server sends in clear
# (TLS 1.2) and logs an event of its own under web reputation ("invalid SSL
# certificate", with the expiry date); the site's score stays what the intel
# says. The default profile blocks the connection (a reset: no page can be
# shown inside TLS); a profile that only monitors lets the browser show its
# own certificate warning.
Feature: The company's own site shown as a malicious site: its SSL certificate expired (自社HPが不正サイトとして表示される)

  Scenario: a day of staff opening their own site: each attempt logged with its own reason, the score unchanged
    Given the scenario "expired-certificate-own-site"
    When the twin runs to the end of the scenario
    Then the gateway logs 2 "web reputation" detections from "PC-01"
    And the gateway logs 3 "web reputation" detections from "PC-02"
    And the "web reputation" log gives the reason "invalid SSL certificate; certificate expired on 2025-11-30 23:59:59 (JST)" for "https://www.print-shop.example/"
    And the gateway still rates "www.print-shop.example" "safe" with score 92
    And the statistics of "2025-12-08" count 3 "web reputation" detections from "PC-02"
    And the "web reputation" log matches the golden file "expired-certificate-own-site-web-reputation"

  Scenario: what staff see, and the site back once the certificate is renewed
    Given the scenario "expired-certificate-own-site"
    When the twin runs for 1 hour
    And host "PC-05" opens "https://www.print-shop.example/"
    Then the connection of host "PC-05" to "https://www.print-shop.example/" is reset
    And the gateway logs 1 "web reputation" detection from "PC-05"
    When host "PC-05" opens "https://www.kami-shoji.example/"
    Then host "PC-05" receives the page "https://www.kami-shoji.example/"
    Given the certificate of "www.print-shop.example" is renewed until "2026-12-31 23:59:59"
    When host "PC-05" opens "https://www.print-shop.example/"
    Then host "PC-05" receives the page "https://www.print-shop.example/"
    And the gateway logs 1 "web reputation" detection from "PC-05"

  Scenario: a profile that only monitors: logged, and the browser warns by itself
    Given the scenario "expired-certificate-own-site"
    And the policy only monitors expired certificates
    When the twin runs for 1 hour
    And host "PC-05" opens "https://www.print-shop.example/"
    Then host "PC-05" shows a certificate warning for "https://www.print-shop.example/"
    And the gateway logs 1 "web reputation" detection from "PC-05"
    And the "web reputation" log gives the reason "certificate expired on 2025-11-30 23:59:59 (JST)" for "https://www.print-shop.example/"

  Scenario: the same story told with the core vocabulary
    Given the scenario "misblocked-company-site"
    And the certificate of "www.print-shop.example" expired on "2025-11-30"
    When host "PC-05" opens "https://www.print-shop.example/"
    Then the connection of host "PC-05" to "https://www.print-shop.example/" is reset
    And the "web reputation" log gives the reason "certificate expired on 2025-11-30 00:00:00 (JST)" for "https://www.print-shop.example/"
    And the gateway still rates "www.print-shop.example" "safe" with score 92
    When host "PC-05" opens "http://www.print-shop.example/"
    Then host "PC-05" receives the page "http://www.print-shop.example/"

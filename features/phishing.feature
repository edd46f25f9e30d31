# Seed 000, FAQ Q11: a mail with a link to a phishing site is not blocked by
# default (it is tagged); the access is blocked when the link is clicked, by
# web reputation (the site's score is in the dangerous band).
Feature: A phishing link clicked from a mail (フィッシングサイトへのアクセス)

  Scenario: the click gets the block page with the score band, the real bank loads
    Given the scenario "phishing-link-click"
    When the twin runs for 3 hours
    Then the gateway logs 1 "web reputation" detection from "PC-04"
    And no host other than "PC-04" has "web reputation" detections
    And the "web reputation" log matches the golden file "phishing-link-click-web-reputation"
    When host "PC-04" opens "http://login.hikari-bank-secure.example/verify?id=8841"
    And host "PC-04" opens "http://www.hikari-bank.example/"
    And host "PC-04" opens "http://www.kumo-tenki.example/"
    Then host "PC-04" gets the block page for "http://login.hikari-bank-secure.example/verify?id=8841" with reason "score 12 (dangerous / 危険)"
    And host "PC-04" gets the block page for "http://login.hikari-bank-secure.example/verify?id=8841" with reason "危険なWebサイトへのアクセスをブロックしました"
    And host "PC-04" receives the page "http://www.hikari-bank.example/"
    And host "PC-04" receives the page "http://www.kumo-tenki.example/"

  # Seed 000 Q11: 「100%防げるものではありません」; seed 004: 「その脅威を完全に排除
  # することを保証するものではありません」. The same page on a domain nobody has
  # rated yet loads, and nothing is logged: what the trainer shows next to
  # the blocked click.
  Scenario: the same lure on a domain not yet rated gets through, unlogged
    Given the scenario "phishing-link-click"
    When host "PC-04" opens "http://login.hikari-bank-verify.example/verify?id=8841"
    Then host "PC-04" receives the page "http://login.hikari-bank-verify.example/verify?id=8841"
    And the gateway logs 0 "web reputation" detections from "PC-04"

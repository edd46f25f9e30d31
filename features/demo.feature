# The trainer's demo (DESIGN.md: `officetwin demo winxp-cnc-beacon`): support
# case ① of seed 000 told moment by moment in the seed's words, with the
# console live beside it. Here the story runs unpaced; the console's demo page
# is read at the instant each moment is told.
Feature: The trainer's demo

  Scenario: support case ① is told in order, and the console shows each moment as it happens
    Given the demo of "winxp-cnc-beacon" with its console
    When the demo runs, the console's demo page read at each moment
    Then the demo told 9 moments, the first at "2017-09-26 10:09:45"
    And each moment was on the console's demo page when it was told
    And moment 3 says "アラートがセキュリティサポートデスクに届きました"
    And moment 4 says "身に覚え無し"
    And moment 5 says "192.168.1.11"
    And moment 7 says "LANケーブル抜去"
    And moment 8 says "計1,146回"
    And moment 9 says "アフターコール"

  Scenario: support case ② is told, and the demo adds the site to the allow list and deploys it in the console
    Given the demo of "misblocked-company-site" with its console
    When the demo runs, the console's demo page read at each moment
    Then the demo told 7 moments, the first at "2025-12-04 09:00:00"
    And each moment was on the console's demo page when it was told
    And moment 2 says "ブロック画面"
    And moment 5 says "URL許可リストに www.print-shop.example を追加"
    And moment 6 says "製品紹介動画が表示されるようになりました"
    And moment 7 says "動画共有サイトは業務時間帯は引き続きブロック"
    And the console's gateway runs policy version 2
    And the console's latest deployment went "deploying -> success"
    When I GET "/policies"
    Then the page says "www.print-shop.example"

  Scenario: the phishing link click (FAQ Q11) is told in order
    Given the demo of "phishing-link-click" with its console
    When the demo runs, the console's demo page read at each moment
    Then the demo told 5 moments, the first at "2025-12-05 09:23:43"
    And each moment was on the console's demo page when it was told
    And moment 2 says "スコア12"
    And moment 5 says "100%防げるものではありません"

  Scenario: an Emotet wave (seed 001) is told in order
    Given the demo of "emotet-2019-macro-reply" with its console
    When the demo runs, the console's demo page read at each moment
    Then the demo told 4 moments, the first at "2019-12-03 10:12:44"
    And each moment was on the console's demo page when it was told
    And moment 2 says "[ウイルス駆除済み]"
    And moment 4 says "マクロ機能を「無効」"

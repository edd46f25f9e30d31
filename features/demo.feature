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

  # Support case ③ of seed 000: 「受領した月次レポートを削除してしまい、内容が確認
  # できなくなりました」 — 「お客様の端末にリモートで接続し、管理コンソール画面を操作
  # することで、レポート内容、確認方法の説明を実施」.
  Scenario: support case ③ is told: the deleted report is shown again from the console
    Given the demo of "ordinary-month" with its console
    When the demo runs, the console's demo page read at each moment
    Then the demo told 4 moments, the first at "2017-10-01 00:00:00"
    And each moment was on the console's demo page when it was told
    And moment 2 says "送付済みのレポートファイルは削除されていました"
    And moment 3 says "管理コンソール画面を操作"
    And the console's archive gives the report for "2017-09" that was mailed to the admin

  # FAQ Q2 of seed 000: 「対象デバイスのIPアドレスもしくはMACアドレスを指定してブロック
  # することが可能です。」
  Scenario: FAQ Q2 is told: an unknown device appears in the device list and is blocked
    Given the demo of "unknown-device-blocked" with its console
    When the demo runs, the console's demo page read at each moment
    Then the demo told 4 moments, the first at "2017-10-05 10:05:00"
    And each moment was on the console's demo page when it was told
    And moment 1 says "Xiaomi"
    And moment 3 says "MACアドレス 28:6c:07:5e:a1:33 を指定してブロック"
    When I GET "/devices"
    Then the page says "28:6c:07:5e:a1:33"

  # FAQ Q5 of seed 000: 「判定理由は「SSL証明書の期限切れ」などが考えられます。」
  Scenario: FAQ Q5 is told: the company's own site is blocked for its expired certificate
    Given the demo of "expired-certificate-own-site" with its console
    When the demo runs, the console's demo page read at each moment
    Then the demo told 4 moments, the first at "2025-12-08 11:03:00"
    And each moment was on the console's demo page when it was told
    And moment 1 says "SSL証明書の期限切れ"
    And moment 4 says "まずはHPのSSL証明書の期限のご確認を実施してください"

  # FAQ Q18 of seed 000: 「判定ルールは定期的に更新されるため、同じ取引先でもタイミング
  # によって判定が変わる場合があります。」
  Scenario: FAQ Q18 is told: a partner's [SPAM] tag comes and goes
    Given the demo of "spam-zombie-450" with its console
    When the demo runs, the console's demo page read at each moment
    Then the demo told 5 moments, the first at "2024-10-10 10:00:00"
    And each moment was on the console's demo page when it was told
    And moment 1 says "450"
    And moment 3 says "[SPAM]"
    And moment 5 says "複数の要素を総合的に判定"

  # FAQ Q21 of seed 000: 「専用BOXがオフラインとなってしまうなど運用状況によっては
  # 月次レポートに表示されないこともございます」.
  Scenario: FAQ Q21 is told: the box offline for two weeks, and a report that says so
    Given the demo of "offline-month" with its console
    When the demo runs, the console's demo page read at each moment
    Then the demo told 4 moments, the first at "2017-09-11 12:00:00"
    And each moment was on the console's demo page when it was told
    And moment 2 says "管理コンソールのログには表示されず"
    And moment 4 says "評価を保留"
    When I GET "/reports"
    Then the page says "2017-09"

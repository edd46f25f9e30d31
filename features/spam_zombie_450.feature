# Seed 001 (NTT West, Emotet対策推奨設定): email reputation always rejects
# RBL+ matches (550) and temporarily rejects Zombie matches with the
# configured SMTP code (450 by default, 400-599). Seed 000 FAQ Q18: the
# "[SPAM]" tag on a partner's mails comes and goes, because several weak
# factors add up in one mail and not in the next.
Feature: Email reputation and anti-spam at the office's mail server (メールレピュテーション・スパム対策)

  Scenario: a Zombie sender gets 450, an RBL+ sender 550, the partner's spam tag comes and goes
    Given the scenario "spam-zombie-450"
    When the twin runs for 8 minutes
    Then the connection from "203.0.113.77" is rejected with SMTP code 450
    And the connection from "203.0.113.66" is rejected with SMTP code 550
    And no mail reaches "info@print-shop.example"
    And the gateway logs 1 "email reputation" detection from "203.0.113.77"
    And the gateway logs 1 "email reputation" detection from "203.0.113.66"
    When the twin runs for 5 minutes
    Then the mail from "198.51.100.80" is accepted
    And the mail to "info@print-shop.example" has the subject "[SPAM] 【限定】今すぐ申込み！無料セミナー!!!"
    And the gateway logs 1 "anti-spam" detection from "198.51.100.80"
    When the twin runs for 25 minutes
    Then the mail to "info@print-shop.example" has no subject tag
    And the gateway logs 1 "anti-spam" detection from "198.51.100.80"
    And the "threat" log matches the golden file "spam-zombie-450-threats"

  Scenario: the Zombie code is configurable
    Given the scenario "spam-zombie-450"
    When the email reputation SMTP error code is set to 421
    And "203.0.113.77" sends the mail "zombie-sender.eml" to "info@print-shop.example"
    Then the connection from "203.0.113.77" is rejected with SMTP code 421
    When "198.51.100.80" sends the mail "partner-seminar-2.eml" to "info@print-shop.example"
    Then the mail from "198.51.100.80" is accepted
    And the mail to "info@print-shop.example" has no subject tag

  # Seed 000: 「送信元の情報(メールアドレス、ドメイン、IPアドレス等)とブラックリストとの
  # 突合によるブロック機能」: a sender on the block list is blocked, not tagged.
  Scenario: a sender domain on the block list is refused, and logged as blocked
    Given the scenario "spam-zombie-450"
    When the sender "@partner-kikaku.example" is put on the spam block list
    And "198.51.100.80" sends the mail "partner-seminar-2.eml" to "info@print-shop.example"
    Then the connection from "198.51.100.80" is rejected with SMTP code 550
    And no mail reaches "info@print-shop.example"
    And the gateway logs 1 "anti-spam" detection from "198.51.100.80"
    And every "anti-spam" detection from "198.51.100.80" has the action "block"

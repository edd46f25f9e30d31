# Seed 001 (NTT West, Emotet対策推奨設定): the 2020 wave hid the macro
# document in a password-protected zip with the password in the body. The
# gateway cannot scan an encrypted entry; the "unscannable" verdict has
# its own action (remove by default): the zip is replaced by a notice and
# the subject tagged, the body with the password still delivered.
Feature: Emotet 2020: a password-protected zip (パスワード付きZIP)

  Scenario: the encrypted zip is unscannable, removed and the mail tagged
    Given the scenario "emotet-2020-password-zip"
    When the twin runs for 16 minutes
    Then the mail to "tanaka@print-shop.example" has the subject tag "[ウイルス駆除済み]"
    And the attachment "seikyusho-2020-09.zip" of the mail to "tanaka@print-shop.example" is replaced by a notice
    And the mail to "tanaka@print-shop.example" says "パスワード: Kx7Pq2"
    And the mail to "tanaka@print-shop.example" says "パスワード付きファイルにご注意ください"
    And the gateway logs 1 "anti-malware" detection from "PC-04"
    And the "anti-malware" log matches the golden file "emotet-2020-password-zip-anti-malware"

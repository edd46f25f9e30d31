# Seed 001 (NTT West, Emotet対策推奨設定, March 2022): with macros blocked,
# Emotet mailed shortcuts (.lnk) in zips. The machine-learning scan (the
# documented heuristic model) flags a shortcut that starts a script host.
Feature: Emotet 2022: a shortcut in a zip (ショートカットファイル)

  Scenario: the zip with the shortcut is replaced by a notice
    Given the scenario "emotet-2022-lnk"
    When the twin runs for 6 minutes
    Then the mail to "tanaka@print-shop.example" has the subject tag "[ウイルス駆除済み]"
    And the mail to "tanaka@print-shop.example" has the subject "[ウイルス駆除済み] Re: 4月分の支払いについて"
    And the attachment "INV-2022-04.zip" of the mail to "tanaka@print-shop.example" is replaced by a notice
    And the gateway logs 1 "anti-malware" detection from "PC-04"
    And the "anti-malware" log matches the golden file "emotet-2022-lnk-anti-malware"

# Seed 001 (NTT West, Emotet対策推奨設定): the March 2023 wave mailed OneNote
# files with an embedded script, and zips with a Word document padded to
# hundreds of megabytes to exceed scanners' size limits. The gateway reads
# the embedded files of the OneNote section, and reads the padded entry's
# declared size without inflating it: the verdict comes at once, bounded.
Feature: Emotet 2023: OneNote and an oversize document (OneNote・巨大化文書)

  Scenario: both attachments are replaced by notices
    Given the scenario "emotet-2023-onenote-oversize"
    When the twin runs for 11 minutes
    Then the mail to "tanaka@print-shop.example" has the subject "[ウイルス駆除済み] Re: 打ち合わせ議事録"
    And the attachment "minutes-2023-03.one" of the mail to "tanaka@print-shop.example" is replaced by a notice
    When the twin runs for 5 minutes
    Then the mail to "tanaka@print-shop.example" has the subject "[ウイルス駆除済み] Re: 3月度報告書"
    And the attachment "report-2023-03.zip" of the mail to "tanaka@print-shop.example" is replaced by a notice
    And the gateway logs 2 "anti-malware" detections from "PC-04"
    And the "anti-malware" log matches the golden file "emotet-2023-onenote-oversize-anti-malware"

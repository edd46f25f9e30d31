# Seed 002 (the endpoint option's monthly report: おまかせアンチウイルス /
# EDRプラス; 端末セキュリティ in the security package) and seed 000's incidents
# told from the PC's side: what the agent on each PC finds, when, with which
# pattern, and what it does about it. Actions in seed 002's words: 駆除
# (cleaned), 削除 (deleted), 放置 (passed), 隔離 (quarantined), 拡張子変更
# (renamed), 要確認 (needs attention); for spyware 再起動する (restart
# required).
Feature: The endpoint agents on the office's PCs (エンドポイント)

  # Seed 000, case ①: 「被疑端末をネットワークから切り離し(LANケーブル抜去)」
  # 「端末のウイルス対策ソフト(他社製品)によるフルスキャンを推奨」 and seed 002,
  # 2-3: 「サポート外のOSを利用している端末数を表示」.
  Scenario: the desk's full scan on the unplugged XP PC quarantines the beacon program
    Given the scenario "winxp-cnc-beacon"
    When the twin runs for 1190 minutes
    Then the agents report 0 detections in all
    And the management server sees the agent on "PC-XP" "on an unsupported OS"
    And the management server sees the agent on "PC-XP" "not up to date"
    And the management server sees the agent on "PC-XP" "with real-time scan off"
    And the management server sees the agent on "PC-01" "up to date"
    When the twin runs for 10 minutes
    Then the agent on "PC-XP" reports "virus/malware" "BKDR_TWINBEACON.A" in "C:\WINDOWS\Temp\wupdmgr32.exe" by its "manual" scan, "quarantined"
    And the file "C:\WINDOWS\Temp\wupdmgr32.exe" on "PC-XP" is "quarantined"
    And the agents report 1 detection in all
    And the gateway logs 1146 "C&C callback" detections from "192.168.1.11"

  # Issue 18's bar: the report of the case ① month lists PC-XP under
  # unsupported OS (seed 002, 2-3) and counts its detection.
  Scenario: the endpoint report of the case ① month
    Given the scenario "winxp-cnc-beacon"
    When the twin runs to the end of the scenario
    Then the endpoint report for "2017-09" lists "PC-XP" under unsupported OS
    And the endpoint report for "2017-09" counts 1 "virus/malware" detection on "PC-XP"
    And the endpoint report for "2017-09" matches the golden file "winxp-cnc-beacon-endpoint-report-2017-09"

  # Seed 002, ウイルス/不正プログラム: top endpoints and servers, 処理の結果 隔離.
  Scenario: an Emotet document from a USB stick is quarantined on write, on a PC and on the file server
    Given the scenario "emotet-usb-endpoint"
    When the twin runs to the end of the scenario
    Then the agent on "PC-04" reports "virus/malware" "Trojan.W97M.EMOTET.TWIN" in "E:\請求書_2019年12月.doc" by its "real-time" scan, "quarantined"
    And the agent on "FS-01" reports "virus/malware" "Trojan.W97M.EMOTET.TWIN" in "D:\共有\経理\請求書_2019年12月.doc" by its "real-time" scan, "quarantined"
    And the agents report 2 detections in all
    # Nothing crossed the gateway: it has nothing to log.
    And the gateway logged no detections

  # The class: a file that gets past the gateway reaches the agent when a
  # program saves it. Seed 001's recommended profile excludes `.jpg` from
  # the gateway's scan of downloads (「指定した拡張子のファイルがHTTPでダウン
  # ロードされた場合、不正プログラム対策での検索が除外されます。」); the agent
  # reads the file the browser saved. The macro document the gateway took
  # out of the mail never reaches the PC.
  Scenario: the agent catches what the gateway let through, and never sees what it took out
    Given the scenario "emotet-2019-macro-reply"
    When the twin runs for 25 minutes
    Then the gateway logs 1 "anti-malware" detection from "PC-04"
    And the agent on "PC-04" has read 0 files saved from "mail"
    And the agents report 0 detections in all
    When host "PC-04" downloads "http://www.kaisha-tools.example/wp-content/uploads/header.jpg"
    Then the gateway logs 1 "anti-malware" detection from "PC-04"
    And the agent on "PC-04" reports "virus/malware" "Eicar_test_file" in "C:\Users\staff\AppData\Local\Microsoft\Windows\INetCache\IE\header.jpg" by its "real-time" scan, "quarantined"
    And the agents report 1 detection in all

  # Seed 000, FAQ Q12: 「まずEDRの機能で感染端末をネットワークから隔離し、拡散防止を図ります」.
  Scenario: ransomware is stopped by behaviour monitoring and its PC isolated by EDR
    Given the scenario "ransomware-edr-isolation"
    When the twin runs to the end of the scenario
    Then the agent on "PC-02" reports "behaviour monitoring" of "invoice-viewer.exe", "blocked"
    And the agent on "PC-02" reports "suspicious activity" of "Ransomware behaviour: documents encrypted in bulk", "isolated"
    And EDR has isolated "PC-02"
    And the management server sees the agent on "PC-02" "isolated"
    # 600 documents in 5 minutes is one every 0.5 s: 20 within a minute
    # after 9.5 s, and no further; it never reached the shadow copies.
    And 20 documents on "PC-02" were encrypted
    And no traffic from "PC-02" reaches the internet
    And the gateway logged no detections

  # Seed 002, 2-1: 「14日間以上管理サーバと通信できていないオフラインの端末数の推移」;
  # 2-2: 「最新のパターンファイルが適用されていない端末数」.
  Scenario: a laptop away since October is offline for 14 days by November 6 and falls behind the patterns
    Given the scenario "endpoint-agent-offline"
    When the twin runs for 5 days
    Then the management server sees the agent on "NOTE-01" "offline for 14 days or more"
    And the management server sees the agent on "NOTE-01" "up to date"
    And the management server sees the agent on "PC-01" "in contact"
    When the twin runs for 4 days
    Then the management server sees the agent on "NOTE-01" "not up to date"
    And the management server sees the agent on "PC-01" "up to date"

  # Seed 002, 3-2: 「再起動する：スパイウェア/グレーウェアの処理を完了するためにシステムの再起動が必要です」.
  Scenario: a toolbar the pattern learns later is found by the scheduled scan and needs a restart
    Given the scenario "grayware-toolbar"
    When the twin runs for 2 days
    Then the agents report 0 detections in all
    When the twin runs to the end of the scenario
    Then the agent on "PC-07" reports "spyware/grayware" "ADW_TWINSEARCHBAR" in "C:\Program Files\SearchBar\searchbar.dll" by its "scheduled" scan, "restart required"
    And the file "C:\Program Files\SearchBar\searchbar.dll" on "PC-07" is "removed at the next restart"
    And the agents report 1 detection in all

# Seed 000, support case ① (セキュリティサポート事例①: C&Cサーバへの通信ログを検知;
# 感染端末 : 1台(WindowsXP); 発生内容 : C&Cサーバへの通信(計1,146回)): the XP PC
# calling its C&C servers (GLOSSARY: C&Cサーバへの通信 / C&Cコールバック, C&C
# callback), here as malware is scheduled today: every 5 minutes to one
# server and every 60 minutes to the other, each with 10 % jitter, both on no
# C&C list yet. Beacon scoring (RITA's method over a sliding 24 h; formula,
# thresholds and guards in appliance/src/inspect/beacon/mod.rs) flags the
# 5-minute beacon within 6 hours and the 60-minute one within 24 hours of
# their first call. In the same office and the same day, the periodic benign
# traffic is not flagged: PC-04's mail program polling POP3 every 5 minutes
# (the server greets first), PC-01's office-suite updater (hourly, spread
# over ±50 minutes) and Windows Update (every 20 h ± 2 h), PC-02's NTP
# client (UDP 123 is not scored), and PC-03's browser tab reloading a market
# page every 5 minutes in office hours (the page is content, 8 KiB).
Feature: Beacons every 5 and 60 minutes among benign pollers (C&Cコールバック)

  Scenario: both beacons are flagged in time, the pollers are not
    Given the scenario "slow-beacons-benign-pollers"
    When the twin runs for 26 hours
    Then the beacon from "PC-XP" to "rzy8823l68me.example" is flagged within 6 hours of its first call
    And the beacon from "PC-XP" to "siebabanahujtr.example" is flagged within 24 hours of its first call
    And the gateway logs 2 "C&C callback" detections from "PC-XP"
    And no host other than "PC-XP" has "C&C callback" detections
    And "PC-04" fetched its mail by POP3 at least 250 times
    And "PC-03" loaded "www.market-news.example" at least 100 times
    And "PC-01" loaded "officeupdate.softvendor.example" at least 20 times
    And "PC-01" loaded "fe2.winupdate.example" at least 1 times
    And "PC-02" was still sending to the internet within 20 minutes of the end
    And the "threat" log matches the golden file "slow-beacons-benign-pollers-threats"

# Seed 000, おまかせサイバーみまもりの動き, アプリケーション利用制限: 「社内ポリシーに
# 基づき、不正ではないが業務上不要なアプリケーションの利用を制限する。」 (what it
# stops: 「社内ポリシーに反したアプリケーションの利用」). Seed 004:
# 「アプリケーション利用制限 特定のアプリケーションからの通信を制限」. Seed 000 also
# names it among the policy settings whose detections the customer follows in
# the console: 「アプリケーション利用制限・URL指定によるアクセス制御機能等のポリシー
# 設定機能の検知状況」.
#
# Scenario application-control: the print shop forbids BitTorrent at all
# times (P2P禁止) and YouTube during business hours. PC-08 runs a BitTorrent
# client that connects to two peers on the internet with the real handshake
# ("\x13BitTorrent protocol", BEP 3); PC-07 watches YouTube over HTTPS.
# The twin is the oracle for what got through: each peer records every byte
# it received.
Feature: Application control (アプリケーション利用制限)

  Scenario: every BitTorrent connection is reset at its handshake and logged naming BitTorrent; no handshake byte reaches a peer
    Given the scenario "application-control"
    When the twin runs for 4 hours
    Then every call "PC-08" made is logged as one "application control" detection within 2 seconds
    And every call "PC-08" made ended with "a reset"
    And the "application control" log gives the reason "application BitTorrent (peer-to-peer)" for "203.0.113.66:6881"
    And the "application control" log gives the reason "policy rule P2P禁止" for "203.0.113.67:51413"
    And the BitTorrent peer "203.0.113.66" received no byte from "PC-08"
    And the BitTorrent peer "203.0.113.67" received no byte from "PC-08"
    When host "PC-05" opens "bittorrent://203.0.113.66:6881/"
    And host "PC-05" opens "http://www.print-shop.example/"
    Then the connection of host "PC-05" to "bittorrent://203.0.113.66:6881/" is reset
    And the BitTorrent peer "203.0.113.66" received no byte from "PC-05"
    And host "PC-05" receives the page "http://www.print-shop.example/"

  # The control that makes the scenario above able to fail: the same client
  # and peer under the product's default profile (no application rule).
  Scenario: without an application rule the same handshake reaches the peer and is answered
    Given the scenario "application-control"
    And the policy "default"
    When host "PC-05" opens "bittorrent://203.0.113.66:6881/"
    Then host "PC-05"'s BitTorrent handshake to "bittorrent://203.0.113.66:6881/" is answered
    And the BitTorrent peer "203.0.113.66" received "PC-05"'s handshake and answered it
    And the gateway logs 0 "application control" detections from "PC-05"

  Scenario: YouTube is blocked during business hours and loads after them; ordinary pages load all day
    Given the scenario "application-control"
    When the twin runs for 2 hours
    And host "PC-05" opens "https://www.youtube.com/watch?v=Xp4hX2cQvTk"
    And host "PC-05" opens "http://www.youtube.com/"
    And host "PC-06" opens "http://www.print-shop.example/"
    And host "PC-06" opens "https://www.kami-shoji.example/"
    Then the connection of host "PC-05" to "https://www.youtube.com/watch?v=Xp4hX2cQvTk" is reset
    And the "application control" log gives the reason "application YouTube (video streaming)" for "https://www.youtube.com/"
    And the "application control" log gives the reason "schedule business hours" for "https://www.youtube.com/"
    And host "PC-05" gets the block page for "http://www.youtube.com/" with reason "application YouTube"
    And host "PC-06" receives the page "http://www.print-shop.example/"
    And host "PC-06" receives the page "https://www.kami-shoji.example/"
    And the gateway logs 0 "application control" detections from "PC-06"
    When the twin runs for 9 hours
    And host "PC-05" opens "https://www.youtube.com/watch?v=Xp4hX2cQvTk"
    And host "PC-05" opens "bittorrent://203.0.113.67:51413/"
    Then host "PC-05" receives the page "https://www.youtube.com/watch?v=Xp4hX2cQvTk"
    And the connection of host "PC-05" to "bittorrent://203.0.113.67:51413/" is reset
    And the BitTorrent peer "203.0.113.67" received no byte from "PC-05"

  Scenario: the day's application control log
    Given the scenario "application-control"
    When the twin runs to the end of the scenario
    Then every call "PC-08" made is logged as one "application control" detection within 2 seconds
    And the "application control" log matches the golden file "application-control-app-control"

  # DESIGN.md, every scenario runs everywhere: the same BitTorrent client
  # against the firmware build on kernel interfaces (the twin's peers and
  # hosts stay the oracle), then the whole day in memory and through the
  # build, store against store.
  @tun @retry(1)
  Scenario: through the firmware build, BitTorrent is reset the same way and the peers get no byte
    Given the scenario "application-control" through the firmware build
    When the twin runs for 2 hours
    Then every call "PC-08" made is logged as one "application control" detection within 2 seconds
    And every call "PC-08" made ended with "a reset"
    And the BitTorrent peer "203.0.113.66" received no byte from "PC-08"
    And the BitTorrent peer "203.0.113.67" received no byte from "PC-08"
    When host "PC-05" opens "https://www.youtube.com/watch?v=Xp4hX2cQvTk"
    Then the connection of host "PC-05" to "https://www.youtube.com/watch?v=Xp4hX2cQvTk" is reset

  @tun @retry(1)
  Scenario: a run through the firmware leaves the memory run's stores
    When the scenario "application-control" runs to its end in memory and through the firmware, each into its own store file
    Then the memory run's store holds rows in "events, detection_stats, site_access_stats, user_access_stats, uptime"
    And the twin's store of the firmware run holds the memory run's rows, table by table
    And the firmware's own store holds the memory run's rows, table by table

  @tun @retry(1)
  Scenario: the appliance build conforms on application-control
    When conformance runs "application-control" against the appliance build
    Then every conformance check passes
    And the JUnit report lists 4 checks with 0 failures

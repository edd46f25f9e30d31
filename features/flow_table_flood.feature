# Seed 004: "脅威の侵入や不正サイトへのアクセスをブロックした状況を見える化した
# レポートを、月1回お客さまへ提供します。" Seed 000: "DoS攻撃". Issue 15:
# "Fail-open that really passes (replies of an uninspected flow are allowed
# and counted), one event per episode with counts, and 'uninspected traffic'
# in the statistics and the monthly report (how much passed uninspected and
# why: overload, unsupported protocol), as the real box reports it."
Feature: A flood fills the flow table: fail-open passes, and the report says how much passed uninspected

  Scenario: the office's pages still load during the flood, and the month's report counts the overload
    Given the scenario "flow-table-flood" without a packet capture
    # The flood starts at 13:30:00 and lasts 20 s; the table is full from
    # its first second.
    When the twin runs for 1805 seconds
    And host "PC-03" opens "http://www.print-shop.example/"
    Then host "PC-03" receives the page "http://www.print-shop.example/"
    When the twin runs to the end of the scenario
    Then the monthly report for "2017-10" counts the traffic the gateway passed uninspected
    And the uninspected-traffic section of the monthly report for "2017-10" matches the golden file "flow-table-flood-uninspected"

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
    And moment 5 says "192.168.1.11"
    And moment 7 says "LANケーブル抜去"
    And moment 8 says "計1,146回"
    And moment 9 says "アフターコール"

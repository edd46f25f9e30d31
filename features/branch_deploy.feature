# Issue 16: "offices with several gateways (a head office and a branch):
# deploy-all to both, one offline gets 失敗 with the reason and keeps its
# policy, the other 成功". Seed 001 gives the statuses (「配信中」 then
# 「成功」, or 「失敗」) and one gateway; seed 000's FAQ gives the offline box
# (「Cloud Consoleに接続」 LED off).
Feature: Deploy all to a head office and its branch (すべて配信)

  Scenario: the branch is offline: it fails with the reason and keeps its policy, the head office takes the new one
    Given the scenario "branch-offline-deploy"
    When the twin runs for 90 minutes
    Then host "PC-01" gets the block page for "http://update.kaikei-soft.example/latest.html" with reason "score 64"
    When "update.kaikei-soft.example" is added to the allow list and deployed to all gateways
    Then the deployment to "CloudEdge50-honten" went "配信中 -> 成功" and it runs policy version 2
    And the deployment to "CloudEdge50-shiten" went "配信中 -> 失敗" and it runs policy version 1
    And the deployment to "CloudEdge50-shiten" failed because "offline"
    When host "PC-01" opens "http://update.kaikei-soft.example/latest.html"
    Then host "PC-01" receives the page "http://update.kaikei-soft.example/latest.html"
    # The branch is back at 12:00: deployed again, both run one new version.
    When the twin runs for 2 hours
    And the policy changes are deployed to all gateways
    Then every gateway's deployment status is "成功"
    And the deployment to "CloudEdge50-honten" went "deploying -> success" and it runs policy version 3
    And the deployment to "CloudEdge50-shiten" went "deploying -> success" and it runs policy version 3

  Scenario: an office with one gateway is not changed by its branches' absence
    Given the scenario "misblocked-company-site"
    When the policy changes are deployed to all gateways
    Then every gateway's deployment status is "success"
    And the deployment to "CloudEdge50-printshop" went "deploying -> success" and it runs policy version 2

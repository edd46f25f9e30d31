# Seed 000, FAQ Q8 and セキュリティサポート事例② (support case 2): a policy
# blocking the video category during business hours also blocks part of the
# company's own site (its product videos are categorised as video). The desk
# finds the URL filtering hit, adds the site to the allow list and deploys it
# to the gateway ("deploy all", seed 001: 配信中 -> 成功).
Feature: The company's own site blocked by the video category (自社HPが動画カテゴリでブロック)

  Scenario: blocked 9:00-18:00 on weekdays, reachable after hours
    Given the scenario "misblocked-company-site"
    When the twin runs for 2 hours
    And host "PC-05" opens "http://www.print-shop.example/movies/"
    And host "PC-06" opens "http://www.print-shop.example/"
    Then host "PC-05" gets the block page for "http://www.print-shop.example/movies/" with reason "category Streaming Media"
    And host "PC-05" gets the block page for "http://www.print-shop.example/movies/" with reason "policy rule 業務時間帯の動画サイト禁止"
    And host "PC-06" receives the page "http://www.print-shop.example/"
    When the twin runs for 8 hours
    And host "PC-05" opens "http://www.print-shop.example/movies/"
    Then host "PC-05" receives the page "http://www.print-shop.example/movies/"

  Scenario: the desk adds the site to the allow list and deploys it; the rest of the category stays blocked
    Given the scenario "misblocked-company-site"
    When the twin runs for 2 hours
    And host "PC-05" opens "http://www.print-shop.example/movies/"
    Then host "PC-05" gets the block page for "http://www.print-shop.example/movies/" with reason "category Streaming Media"
    Given "www.print-shop.example" is on the allow list
    When the policy changes are deployed to all gateways
    Then every gateway's deployment status is "success"
    And every gateway's deployment status is "成功"
    And the gateway runs policy version 2
    When host "PC-05" opens "http://www.print-shop.example/movies/"
    And host "PC-06" opens "http://www.douga.example/"
    Then host "PC-05" receives the page "http://www.print-shop.example/movies/"
    And host "PC-06" gets the block page for "http://www.douga.example/" with reason "category Streaming Media"
    When the twin runs for 10 hours
    Then the gateway logs 1 "URL filtering" detection from "PC-05"
    And the "URL filtering" log matches the golden file "misblocked-company-site-url-filtering"

  Scenario: the same story told with the policy vocabulary
    Given the scenario "misblocked-company-site"
    And the policy "default"
    And "www.print-shop.example/movies/" is categorised as "Streaming Media"
    And the category "Streaming Media" is blocked during business hours
    When the twin runs for 2 hours
    And host "PC-05" opens "http://www.print-shop.example/movies/"
    Then host "PC-05" gets the block page for "http://www.print-shop.example/movies/" with reason "schedule business hours"
    Given "www.print-shop.example" is on the allow list
    When host "PC-05" opens "http://www.print-shop.example/movies/"
    Then host "PC-05" gets the block page for "http://www.print-shop.example/movies/" with reason "category Streaming Media"
    When the policy changes are deployed to all gateways
    And host "PC-05" opens "http://www.print-shop.example/movies/"
    Then host "PC-05" receives the page "http://www.print-shop.example/movies/"

  # Seed 004: 「アクセス許可されたカテゴリから特定のサイトのみをブロック」: one site
  # blocked inside a category the policy allows; other sites still load.
  Scenario: one site of an allowed category (Shopping) put on the block list is blocked; other sites still load
    Given the scenario "misblocked-company-site"
    When the twin runs for 2 hours
    And host "PC-05" opens "http://www.kami-shoji.example/"
    Then host "PC-05" receives the page "http://www.kami-shoji.example/"
    Given "www.kami-shoji.example" is on the block list
    When the policy changes are deployed to all gateways
    And host "PC-05" opens "http://www.kami-shoji.example/"
    And host "PC-06" opens "http://www.search.example/"
    Then host "PC-05" gets the block page for "http://www.kami-shoji.example/" with reason "block list"
    And host "PC-06" receives the page "http://www.search.example/"

  Scenario Outline: an invalid policy is refused with its place, and the running policy stays in force
    Given the scenario "misblocked-company-site"
    When the twin runs for 2 hours
    And the policy file "<file>" is deployed to all gateways
    Then every gateway's deployment status is "failed"
    And the deployment failure names "<place>"
    And the gateway runs policy version 1
    When host "PC-05" opens "http://www.print-shop.example/movies/"
    Then host "PC-05" gets the block page for "http://www.print-shop.example/movies/" with reason "category Streaming Media"

    Examples:
      | file                           | place                                   |
      | features/data/bad-category.yaml | features/data/bad-category.yaml:7:20   |
      | features/data/bad-wildcard.yaml | features/data/bad-wildcard.yaml:3:5    |
      | features/data/bad-schedule.yaml | features/data/bad-schedule.yaml:6:9    |

  Scenario: a saved policy deploys as a whole
    Given the scenario "misblocked-company-site"
    When the twin runs for 2 hours
    Given the policy "video-blocked-business-hours"
    When the policy changes are deployed to all gateways
    Then every gateway's deployment status is "success"
    When host "PC-05" opens "http://www.print-shop.example/movies/"
    And host "PC-06" opens "http://www.douga.example/"
    Then host "PC-05" receives the page "http://www.print-shop.example/movies/"
    And host "PC-06" gets the block page for "http://www.douga.example/" with reason "URLフィルタリング"

  # Seed 000 FAQ Q10: 「「許可リスト」や「カテゴリ単位の許可」「時間帯別ポリシー」など
  # 柔軟な運用が可能です。業務に必要なサイトはまとめて許可リスト登録することもできます。」
  # A category allowed for one PC above the business-hours block, and several
  # sites put on the allow list at once; everyone else stays blocked.
  Scenario: a category allowed for one PC above the block, and several sites allowed at once
    Given the scenario "misblocked-company-site"
    And the category "Streaming Media" is allowed for "PC-05" above the other rules
    When the policy changes are deployed to all gateways
    And the twin runs for 2 hours
    And host "PC-05" opens "http://www.douga.example/"
    And host "PC-06" opens "http://www.douga.example/"
    Then host "PC-05" receives the page "http://www.douga.example/"
    And host "PC-06" gets the block page for "http://www.douga.example/" with reason "category Streaming Media"
    Given the sites "www.print-shop.example, www.douga.example" are put on the allow list at once
    When the policy changes are deployed to all gateways
    And host "PC-06" opens "http://www.douga.example/"
    And host "PC-07" opens "http://www.print-shop.example/movies/"
    Then host "PC-06" receives the page "http://www.douga.example/"
    And host "PC-07" receives the page "http://www.print-shop.example/movies/"

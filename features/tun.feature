# DESIGN.md, TUN mode: real programs run as office hosts inside network
# namespaces the twin creates for itself, and a gateway build runs as its own
# process on kernel interfaces. Needs /dev/net/tun and CAP_NET_ADMIN (CI runs
# as root). Tagged @tun: where those are missing the runner reports these
# scenarios as skipped (not passed); @needs(PROGRAM) names a real program a
# scenario runs, skipped the same way where it is not installed.
# @retry(1): these scenarios drive real programs on a shared 2-core machine;
# a scenario that fails is run once more (the retry shows in the output),
# and fails the suite if it fails again.
@tun @retry(1)
Feature: TUN mode: real programs and the firmware build on kernel interfaces

  @needs(curl)
  Scenario: a real curl on the XP PC gets the block page and the call is logged
    Given the scenario "winxp-cnc-beacon"
    When host "PC-XP" runs the real program "curl -sS -m 10 http://xxxsiebabanahujtr.org/login.asp"
    Then the program gets the block page for "http://xxxsiebabanahujtr.org/login.asp" with reason "C&C list"
    And the real program's call is logged as 1 "C&C callback" detection from "192.168.1.11"

  @needs(curl)
  Scenario: a real curl on an office PC gets the company's page, and nothing is logged
    Given the scenario "winxp-cnc-beacon"
    When host "PC-01" runs the real program "curl -sS -m 10 http://www.print-shop.example/"
    Then the program prints "株式会社プリントショップ"
    And the real program's call is logged as 0 "C&C callback" detections from "192.168.1.12"

  # Seed 000, セキュリティサポート事例① over HTTPS (scenario cnc-https-sni): a
  # real curl's own TLS ClientHello (and its own DNS lookups, A and AAAA,
  # which are part of the call) through the gateway on kernel interfaces.
  @needs(curl)
  Scenario: a real curl over HTTPS to a listed C&C domain is reset at its ClientHello, the reason names the SNI
    Given the scenario "cnc-https-sni"
    When host "PC-06" runs the real program "curl -sS -k -m 10 https://xxxsiebabanahujtr.org/login.asp", which fails with exit status 35
    Then the real program's call is logged as 1 "C&C callback" detection from "192.168.1.17"
    And the real program's detection gives the reason "TLS SNI xxxsiebabanahujtr.org"

  @needs(nmap)
  Scenario: a real nmap SYN scan from the XP PC is detected as a port scan
    Given the scenario "winxp-cnc-beacon"
    When host "PC-XP" runs the real program "nmap -sS -n -Pn -T5 --max-retries 0 -p 1-40 203.0.113.45"
    Then the real program's call is logged as 1 "intrusion prevention" detection from "192.168.1.11"
    And the real program's detection gives the reason "port scan"

  Scenario: the appliance binary on TUN interfaces gives what the in-memory gateway gives
    When the scenario "winxp-cnc-beacon" runs to its end in memory and through the firmware
    Then both runs give byte-identical log exports, alert mails and captures

  # Issue 15, TUN and memory give the same stores. Seed 000, FAQ Q6: "どの
  # サイトへアクセスしたのかは、アクセス単位のログとして保持しておりませんが、
  # 統計情報として保持しています。分析とレポート>インターネットアクセス より
  # 確認することが出来ます。" The statistics, the uptime and the logs a run
  # through the firmware leaves (the cloud's store on the twin's side, and
  # the box's own) are the memory run's, every table, every column; only
  # while the box is off the cloud (offline-month; FAQ Q21: "専用BOXが
  # オフラインとなってしまうなど") does the box's own store hold the events
  # and access statistics the cloud never got, on the days it was offline.
  # (conformance.feature compares the stores of every scenario this way.)
  Scenario Outline: a run through the firmware leaves the memory run's stores: <scenario>
    When the scenario "<scenario>" runs to its end in memory and through the firmware, each into its own store file
    Then the memory run's store holds rows in "<tables>"
    And the twin's store of the firmware run holds the memory run's rows, table by table
    And the firmware's own store holds the memory run's rows, table by table

    Examples:
      | scenario                | tables                                              |
      | misblocked-company-site | events, detection_stats, site_access_stats, user_access_stats, uptime       |

  # Seed 000, IPS/IDS機能 ("サーバやネットワークの外部との通信や、内部での
  # 不正な通信を検知・防御する") and FAQ Q14, with the rule files QA brings
  # (scenario ips-qa-rules, `ips.rule_files: [rules/qa.rules]`): TUN mode
  # refused to start ("the policy written for the firmware differs").
  Scenario: the rule files a scenario names reach the firmware build
    When the scenario "ips-qa-rules" runs to its end in memory and through the firmware, each into its own store file
    Then every rule of the scenario's rule files fired in the firmware's own store, and no other rule
    And the twin's store of the firmware run holds the memory run's rows, table by table
    And the firmware's own store holds the memory run's rows, table by table

  Scenario: a firmware that crashes mid-run fails the run with its status and stderr
    Given the scenario "winxp-cnc-beacon" with a firmware that crashes on the first frame
    When the scenario runs through the firmware for 11 hours
    Then the run fails naming exit status 70 and the firmware's last words "simulated crash"

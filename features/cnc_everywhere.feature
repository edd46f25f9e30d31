# Issue 14, "C&C wherever it hides". Seed 000, セキュリティサポート事例①
# "C&Cサーバへの通信ログを検知": a PC at a print shop calling the C&C servers
# ***rzy8823l68me.net (account.asp?qu=cmd) and ***siebabanahujtr.org
# (login.asp), "C&Cサーバへの通信(計1,146回)", every call blocked and logged,
# the desk told at once (FAQ Q7: "C&Cサーバとの通信検知時にメールまたはお電話
# にてご連絡"), the PC found by its IP address ("不正通信が発生している端末の
# IPアドレスをお客様に伝え、被疑端末を特定"). The same calls, hidden the ways
# malware hides them: inside TLS (the server name, SNI, is what the gateway
# reads), by IP address, on another port, or only as a DNS query for a
# name that no longer resolves. Each call is one detection (the seed counts
# calls); a DNS query followed by a detected call is part of that call.
Feature: C&C wherever it hides (C&Cサーバへの通信)

  Scenario: a Windows 10 PC calling its C&C over HTTPS at night is caught by the SNI
    Given the scenario "cnc-https-sni"
    When the twin runs for 1 hour
    Then every call "PC-06" made is logged as one "C&C callback" detection within 2 seconds
    And every "C&C callback" detection from "PC-06" names its host as the "TLS SNI"
    And every "C&C callback" detection from "PC-06" has the action "reset"
    And every call "PC-06" made ended with "a reset"
    And the support desk receives a C&C alert naming "PC-06" within 1 minute
    And no host other than "PC-06" has "C&C callback" detections
    And the "threat" log matches the golden file "cnc-https-sni-threats"

  Scenario: a C&C called by its IP address gets the block page
    Given the scenario "cnc-ip-literal"
    When the twin runs for 1 hour
    Then every call "PC-07" made is logged as one "C&C callback" detection within 2 seconds
    And every "C&C callback" detection from "PC-07" logs the URL "http://203.0.113.99/gate.php"
    And every call "PC-07" made ended with "the block page"
    And the support desk receives a C&C alert naming "PC-07" within 1 minute
    And the "threat" log matches the golden file "cnc-ip-literal-threats"

  Scenario: a C&C over HTTP on port 8080 is logged with its port
    Given the scenario "cnc-http-port"
    When the twin runs for 1 hour
    Then every call "PC-08" made is logged as one "C&C callback" detection within 2 seconds
    And every "C&C callback" detection from "PC-08" logs the URL "http://xxxrzy8823l68me.net:8080/account.asp?qu=cmd"
    And every call "PC-08" made ended with "the block page"
    And the "threat" log matches the golden file "cnc-http-port-threats"

  # A lookup waits 30 s for the call it announces before it is logged alone.
  Scenario: DNS queries for a C&C name that no longer resolves are logged with the query
    Given the scenario "cnc-dns-query"
    When the twin runs for 1 hour
    Then every call "PC-09" made is logged as one "C&C callback" detection within 31 seconds
    And every "C&C callback" detection from "PC-09" names its host as the "DNS query"
    And every "C&C callback" detection from "PC-09" has the action "monitor"
    And every call "PC-09" made ended with "no address"
    And the support desk receives a C&C alert naming "PC-09" within 1 minute
    And the "threat" log matches the golden file "cnc-dns-query-threats"

  Scenario: with the DNS sinkhole on, the gateway answers the query and the PC never calls
    Given the scenario "cnc-dns-sinkhole"
    When the twin runs for 1 hour
    Then every call "PC-10" made is logged as one "C&C callback" detection within 2 seconds
    And every "C&C callback" detection from "PC-10" names its host as the "DNS query"
    And every "C&C callback" detection from "PC-10" has the action "block"
    And every call "PC-10" made ended with "no address"
    And the "threat" log matches the golden file "cnc-dns-sinkhole-threats"

# Issue 15: a hostile-input campaign on a96069e found loaders that crashed,
# stalled or silently blocked everything. Seed 000 sells the box as the office's
# guard "24時間365日" (always on): a rule file, a scenario or a capture written
# by mistake or by an attacker must be refused where it is, with the reason,
# and never take the gateway or the harness down. On a96069e the first two
# scenarios aborted the process (stack overflow, exit 134), the third took over
# 40 s and gave no place, the zero thresholds and the 1 ms actor were accepted
# (all traffic blocked; a run without end), and the cut capture was refused
# whole. The unit and property tests of each class sit beside the code
# (`config/ips/rule/tests.rs`, `twin/tests/it/hostile.rs`, `src/replay.rs`);
# every parser is also fuzzed (`fuzz/README.md`).
# The column of a too-deep rule is that of what lies 65 levels deep: the rule
# starts its destination at column 22, so its 65th opener ends at column 86.
Feature: Hostile input is refused where it is, with the reason, and never crashes the program

  Scenario: an IPS rule nesting "!" 30,000 deep in its address is refused, not a stack overflow
    Given an IPS rule whose destination address nests "!" 30000 deep
    Then it is refused at line 1, column 87, because "deeper than 64 levels"

  Scenario: an IPS rule nesting "[" 30,000 deep in its port is refused
    Given an IPS rule whose destination port nests "[" 30000 deep
    Then it is refused at line 1, column 91, because "a port spec nests `!` and `[..]` deeper than 64 levels"

  Scenario: a scenario nesting a list 100,000 deep is refused before it is parsed
    When the scenario "winxp-cnc-beacon" is loaded with its "intel" list nested 100000 deep
    Then loading fails at the changed line because "nests deeper than 64 levels"

  Scenario Outline: a threshold of zero, which blocked all traffic, is refused with its range
    When the scenario "winxp-cnc-beacon" is loaded with "<setting>" under "gateway.<section>"
    Then loading fails at the changed line because "out of range: allowed"

    Examples:
      | section | setting    |
      | dos     | syn_pps: 0 |
      | scan    | ports: 0   |

  Scenario: an actor repeating every millisecond is refused with the minimum
    When the scenario "winxp-cnc-beacon" is loaded with its first actor repeating every "1ms" without jitter
    Then loading fails at the changed line because "shorter than the minimum 1s"

  Scenario: a capture cut inside its last record keeps every frame before the cut
    When the capture "smtp-attachment-md5" cut 10 bytes before its end is replayed
    Then every frame before the cut is replayed and the damage is named

# DESIGN.md: the twin is seeded and deterministic; the same scenario gives
# byte-identical logs and captures on every run and machine.
Feature: Reproducible runs

  Scenario: the C&C incident run twice gives byte-identical outputs
    When the scenario "winxp-cnc-beacon" runs to its end twice
    Then both runs give byte-identical pcapng captures and log exports

  Scenario: the mail incident run twice gives byte-identical outputs
    When the scenario "spam-zombie-450" runs to its end twice
    Then both runs give byte-identical pcapng captures and log exports

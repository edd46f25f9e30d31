#!/usr/bin/env bash
# Prints campaign/table.tsv (campaign.sh's rows) as the Markdown table of
# CAMPAIGN.md, one row per target: CPU time, executions and new units summed
# over the target's runs, corpus and crash files as the last run left them.
set -euo pipefail
cd "$(dirname "$0")"
echo "| target | runs | CPU minutes | executions | new units | corpus files | crash files |"
echo "|---|---:|---:|---:|---:|---:|---:|"
awk -F'\t' '{ if (!($1 in runs)) order[++n] = $1
    runs[$1]++; cpu[$1] += $2; execs[$1] += $3; added[$1] += $4; corpus[$1] = $5; crashes[$1] = $6 }
  END { for (i = 1; i <= n; i++) { t = order[i]
    printf "| `%s` | %d | %.1f | %d | %d | %d | %d |\n", t, runs[t], cpu[t] / 60, execs[t], added[t], corpus[t], crashes[t] } }' campaign/table.tsv

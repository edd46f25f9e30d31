#!/usr/bin/env bash
# Prints campaign/table.tsv (campaign.sh's rows) as the Markdown table of
# CAMPAIGN.md, one row per target, the last run of each target winning.
set -euo pipefail
cd "$(dirname "$0")"
echo "| target | CPU minutes | executions | new units | corpus files | crashes found |"
echo "|---|---:|---:|---:|---:|---:|"
awk -F'\t' '{ row[$1] = $0; if (!($1 in seen)) { order[++n] = $1; seen[$1] = 1 } }
  END { for (i = 1; i <= n; i++) { split(row[order[i]], f, "\t");
    printf "| `%s` | %.1f | %s | %s | %s | %s |\n", f[1], f[2] / 60, f[3], f[4], f[5], f[6] } }' campaign/table.tsv

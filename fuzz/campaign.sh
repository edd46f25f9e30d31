#!/usr/bin/env bash
# Fuzzes each named target (all of them if none is named) until its fuzzer
# process has used CPU_SECONDS of CPU time (600 by default), at nice 19 so
# it takes only idle cores, and appends a row per target to
# campaign/table.tsv: target, CPU seconds, executions, new units, corpus
# files, crash files. Needs `cargo fuzz build` first (README.md).
set -euo pipefail
cd "$(dirname "$0")"
CPU_SECONDS=${CPU_SECONDS:-600}
# The bundled SQLite (rusqlite, through the cloud crate) has its globals
# registered twice under AddressSanitizer: an ODR report at start-up, not a
# fault of the code under test.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0}
TRIPLE=$(rustc +nightly -vV | sed -n 's/^host: //p')
BIN=target/$TRIPLE/release
mkdir -p campaign
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v -e officetwin-fuzz -e seed-corpora)
fi
ticks=$(getconf CLK_TCK)
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log="campaign/$t.log"
  nice -n "${NICE:-19}" "$BIN/$t" "corpus/$t" -artifact_prefix="artifacts/$t/" \
    -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 -max_len=65536 >"$log" 2>&1 &
  pid=$!
  used=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if stat=$(cat "/proc/$pid/stat" 2>/dev/null); then
      set -- $(echo "$stat" | sed 's/^.*) //')
      used=$(( (${12} + ${13}) / ticks ))
      if [ "$used" -ge "$CPU_SECONDS" ]; then kill -INT "$pid"; fi
    fi
  done
  wait "$pid" || true
  execs=$(sed -n 's/^stat::number_of_executed_units: //p' "$log" | tail -1)
  added=$(sed -n 's/^stat::new_units_added: //p' "$log" | tail -1)
  corpus=$(find "corpus/$t" -type f | wc -l)
  crashes=$(find "artifacts/$t" -type f | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$used" "${execs:-?}" "${added:-?}" "$corpus" "$crashes" | tee -a campaign/table.tsv
done

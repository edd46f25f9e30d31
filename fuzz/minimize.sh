#!/usr/bin/env bash
# Minimises each named target's corpus (all of them if none is named) in
# place with libFuzzer's -merge=1: the smallest set of inputs that keeps the
# coverage of the whole folder. Run it before committing `corpus/`. Needs
# `cargo +nightly fuzz build` first, and no fuzzer running on the folder.
set -euo pipefail
cd "$(dirname "$0")"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0}
TRIPLE=$(rustc +nightly -vV | sed -n 's/^host: //p')
BIN=target/$TRIPLE/release
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v -e officetwin-fuzz -e seed-corpora)
fi
for t in "${targets[@]}"; do
  before=$(find "corpus/$t" -type f | wc -l)
  rm -rf "corpus-min/$t" && mkdir -p "corpus-min/$t"
  "$BIN/$t" -merge=1 -max_len=65536 -timeout=20 "corpus-min/$t" "corpus/$t" >"campaign/$t.merge.log" 2>&1
  rm -rf "corpus/$t" && mv "corpus-min/$t" "corpus/$t"
  after=$(find "corpus/$t" -type f | wc -l)
  printf '%s\t%s -> %s files, %s\n' "$t" "$before" "$after" "$(du -sh "corpus/$t" | cut -f1)"
done
rmdir corpus-min 2>/dev/null || true

#!/usr/bin/env bash
# The gateway pipeline (`officetwin replay`, release build) against
# Suricata 7 on the same captures, one core each (`taskset -c 0`), with the
# same rule file (`appliance/rules/officetwin.rules` by default; Suricata
# loads it unchanged). For each capture kind it prints packets/s, Gbit/s and
# peak memory (max RSS from /usr/bin/time) of both, and their ratios:
#
#   first line:  Suricata with its eve/JSON log off (fast.log alerts only,
#                as officetwin writes only its events);
#   second line: Suricata with eve on (its default config: alerts, http,
#                dns, tls, files, smtp, flow records).
#
# Checksums: validated by both. The captures carry valid checksums (the
# generator writes them valid, and fixes the corpus's offloaded ones), so
# Suricata runs with `-k all` (every checksum checked, bad ones dropped from
# the stream) and officetwin as it always does (bad checksums are dropped);
# neither skips the work and neither recomputes (no `-k none`, no
# `--fix-checksums`).
#
# Capture kinds (written by `cargo bench --bench captures` with
# OFFICETWIN_CAPTURES_ONLY=1, streamed to the target's tmp dir):
#   office-small  the twin's small-packet office day, repeated
#   downloads-1m  1 MB HTTP downloads in 1 KB frames
#   evasion       the shared corpus's real captures, repeated
#   mail          SMTP mails with attachments
#   office        office days: the above plus TLS, large (chunked, gzip)
#                 downloads, DNS and threats
#
# Timing: each engine runs REPEAT times (default 3) on each capture, with
# the capture read into the page cache first; the best wall time and the
# largest peak memory are reported.
#
# Environment: OFFICETWIN_CAPTURE_MB (default 256) size of each capture;
# KINDS (default all five) which kinds; RULES a rule file; REGEN=1 rewrites
# captures that exist; OFFICETWIN_BIN an officetwin binary to use instead of
# this checkout's (an older build, for before/after). Works with any CARGO_TARGET_DIR (found with `cargo
# metadata`, the binary with `cargo build --message-format`). Needs
# suricata, taskset, jq and /usr/bin/time. Not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in suricata taskset jq /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done
rules=${RULES:-appliance/rules/officetwin.rules}
kinds=${KINDS:-office-small downloads-1m evasion mail office}
repeat=${REPEAT:-3}
target=$(cargo metadata --format-version 1 --no-deps | jq -r .target_directory)
tmp=$target/tmp
bin=${OFFICETWIN_BIN:-$(cargo build --release --bin officetwin --message-format=json-render-diagnostics \
  | jq -r 'select(.reason == "compiler-artifact" and .target.name == "officetwin" and .executable != null) | .executable')}
[ -x "$bin" ] || { echo "no officetwin binary from cargo build" >&2; exit 1; }
missing=()
for k in $kinds; do
  if [ "${REGEN:-0}" = 1 ] || [ ! -s "$tmp/$k.pcap" ]; then missing+=("$k"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  list=$(IFS=,; echo "${missing[*]}")
  OFFICETWIN_CAPTURES_ONLY=1 OFFICETWIN_CAPTURES=$list cargo bench --bench captures >&2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

now() { date +%s.%N; }
# run NAME PCAP CMD...: the best wall seconds of $REPEAT runs and the
# largest max RSS (KiB) into $out/NAME.{wall,rss}. Before each run the
# capture is read once, so that neither engine pays for the disk: the host
# may drop a capture from the page cache between runs (a cold read made the
# first engine on a capture look 4x slower than it is).
run() {
  local name=$1 pcap=$2; shift 2
  local t0 t1 wall rss best="" most=0
  for _ in $(seq "$repeat"); do
    cat "$pcap" > /dev/null
    # Suricata appends to its logs: each run starts from an empty log dir.
    if [ -n "${log_dir:-}" ]; then rm -rf "$log_dir"; mkdir -p "$log_dir"; fi
    t0=$(now)
    taskset -c 0 /usr/bin/time -f '%M' -o "$out/$name.rss" "$@" > "$out/$name.stdout" 2> "$out/$name.stderr"
    t1=$(now)
    wall=$(echo "$t1 - $t0" | bc -l); rss=$(cat "$out/$name.rss")
    if [ -z "$best" ] || [ "$(echo "$wall < $best" | bc -l)" = 1 ]; then best=$wall; fi
    if [ "$rss" -gt "$most" ]; then most=$rss; fi
  done
  echo "$best" > "$out/$name.wall"
  echo "$most" > "$out/$name.rss"
}
suri() { # suri NAME PCAP EVE(yes|no)
  log_dir=$out/$1.log
  run "$1" "$2" suricata -r "$2" -S "$rules" -l "$out/$1.log" -k all --runmode single \
    --set "outputs.1.eve-log.enabled=$3"
  log_dir=""
}

if [ -n "${OFFICETWIN_BIN:-}" ]; then built="given"; else built="built from $(git rev-parse --short HEAD)"; fi
echo "officetwin: $bin ($built); $(suricata -V); rules: $rules"
echo "one core each (taskset -c 0); checksums validated by both (suricata -k all); best of $repeat runs, capture cached"
printf '%-13s %-9s %9s %7s %11s %7s %8s %6s  %s\n' kind engine packets MB packets/s Gbit/s 'RSS MiB' events 'vs suricata: speed, memory'
for k in $kinds; do
  pcap=$tmp/$k.pcap
  [ -s "$pcap" ] || { echo "$k: no $pcap" >&2; continue; }
  run ours "$pcap" "$bin" replay --rules "$rules" "$pcap"
  packets=$(grep -E '^[0-9]+ frames' "$out/ours.stdout" | tail -1 | cut -d' ' -f1)
  [ "${packets:-0}" -gt 0 ] || { echo "$k: no frames in $pcap (evasion: set OFFICETWIN_CORPUS)" >&2; continue; }
  size=$(stat -c %s "$pcap")
  bytes=$((size - 24 - 16 * packets))
  mb=$(echo "$bytes / 1000000" | bc -l)
  our_events=$(grep -E '^[0-9]+ frames' "$out/ours.stdout" | tail -1 | sed -E 's/.* ([0-9]+) events.*/\1/')
  our_wall=$(cat "$out/ours.wall"); our_rss=$(cat "$out/ours.rss")
  line() { # engine wall rss alerts extra
    printf '%-13s %-9s %9d %7.1f %11.0f %7.3f %8.1f %6s  %s\n' "$k" "$1" "$packets" "$mb" \
      "$(echo "$packets / $2" | bc -l)" "$(echo "$bytes * 8 / $2 / 1000000000" | bc -l)" \
      "$(echo "$3 / 1024" | bc -l)" "$4" "$5"
  }
  line officetwin "$our_wall" "$our_rss" "$our_events" ""
  for eve in no yes; do
    suri "s-$eve" "$pcap" "$eve"
    s_wall=$(cat "$out/s-$eve.wall"); s_rss=$(cat "$out/s-$eve.rss")
    alerts=$(wc -l < "$out/s-$eve.log/fast.log")
    # Suricata's wall time over ours: above 1 officetwin is ahead.
    ratio=$(printf 'officetwin at %.2fx its speed, %.2fx its memory' \
      "$(echo "$s_wall / $our_wall" | bc -l)" "$(echo "$our_rss / $s_rss" | bc -l)")
    line "sur.eve=$eve" "$s_wall" "$s_rss" "$alerts" "$ratio"
    rm -rf "$out/s-$eve.log"
  done
done

#!/usr/bin/env bash
# Side by side on the same capture, pinned to one core each: the gateway
# pipeline (`officetwin replay`, release build, the shipped rules) and
# Suricata 7 with the same rule file (`appliance/rules/officetwin.rules`
# loads unchanged). Prints wall times, packet rates and their ratio, all
# from this one run.
#
# Needs suricata (../shared/tools/install-suricata.sh) and the captures the
# pipeline bench writes: run `cargo bench --bench pipeline` first. Not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=target/tmp
pcap=${1:-$tmp/office-days-20.pcap}
rules=appliance/rules/officetwin.rules
for f in "$pcap" "$tmp/one-frame.pcap"; do
  [ -f "$f" ] || { echo "no $f: run cargo bench --bench pipeline first" >&2; exit 1; }
done
command -v suricata >/dev/null || { echo "suricata is not installed" >&2; exit 1; }
cargo build -q --release --bin officetwin
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/s" "$out/one"

now() { date +%s.%N; }
t0=$(now)
taskset -c 0 target/release/officetwin replay --rules "$rules" "$pcap" > "$out/ours.txt"
t1=$(now)
taskset -c 0 suricata -r "$pcap" -S "$rules" -l "$out/s" -k none --runmode single >/dev/null
t2=$(now)
taskset -c 0 suricata -r "$tmp/one-frame.pcap" -S "$rules" -l "$out/one" -k none --runmode single >/dev/null
t3=$(now)

packets=$(tail -1 "$out/ours.txt" | cut -d' ' -f1)
ours=$(echo "$t1 - $t0" | bc -l)
suri=$(echo "$t2 - $t1" | bc -l)
start=$(echo "$t3 - $t2" | bc -l)
our_ips=$(grep -c "intrusion prevention" "$out/ours.txt" || true)
suri_alerts=$(wc -l < "$out/s/fast.log")
printf 'capture: %s, %s packets\n' "$pcap" "$packets"
printf 'officetwin replay: %7.3f s %10.0f packets/s  (%s intrusion-prevention events)\n' \
  "$ours" "$(echo "$packets / $ours" | bc -l)" "$our_ips"
printf 'suricata 7:        %7.3f s %10.0f packets/s  (%s alerts; start-up alone %.3f s)\n' \
  "$suri" "$(echo "$packets / $suri" | bc -l)" "$suri_alerts" "$start"
printf 'suricata / officetwin wall time: %.2f (%.2f with suricata start-up subtracted)\n' \
  "$(echo "$suri / $ours" | bc -l)" "$(echo "($suri - $start) / $ours" | bc -l)"

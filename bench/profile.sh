#!/usr/bin/env bash
# Where the CPU goes, part by part, with the full system under load (issue 22): the local system
# (scripts/run-local.sh, a fresh database) driven at RATE messages/s by tools/LoadGen, 200
# connections, `spread`; in the middle of the run a system-wide `perf record -g` and bench/cpu.py
# over the same seconds. bench/perf_report.py turns the samples into one table per part: which
# code ran, and which frames were running and on the stack. Writes bench/results/profile-RATE.md.
# About 2 minutes. Needs the ports of run-local.sh free, and root (perf sees every process).
#
# Usage: bench/profile.sh [RATE] [SECONDS]   (default 1000 messages/s, 10 s sampled)
#   BENCH_SEED=1 seeds the message store first, as in bench/cpu-compare.sh (bench/seed-store.sql)
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-1000}
seconds=${2:-10}
results=bench/results
mkdir -p "$results"
say() { printf 'profile: %s\n' "$*" >&2; }
loadgen() { dotnet tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll "$@"; }
source bench/lib.sh
load_settings

need_perf
# The runtime writes /tmp/perf-PID.map, the names of the code it compiles, for perf to read. With
# W^X on, that code is mapped from an anonymous file, which perf does not match to the map.
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0

work=$(mktemp -d /tmp/chat-profile.XXXXXX)
chmod 755 "$work"
# The runtime's maps of the processes sampled go with the system.
after_system() { for pid in $(cut -d' ' -f1 "$work/processes" 2>/dev/null); do rm -f "/tmp/perf-$pid.map" "/tmp/perfinfo-$pid.map"; done; }
start_system "$work"
[ "${BENCH_SEED:-0}" = 1 ] && { say "seeding the message store"; seed_store; }

load_in_background "$rate" "$seconds" p
ps -eo pid=,args= | sed 's/^ *//' > "$work/processes"
perf record -a -g -F 499 -o "$work/perf.data" -- sleep "$seconds" > "$work/perf.log" 2>&1 &
sampler=$!
python3 bench/cpu.py "$seconds" > "$work/cpu.json"
wait "$sampler"
wait "$run"

out="$results/profile-$rate.md"
{
  echo "# Profile at $rate messages/s, commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Command: \`bench/profile.sh $rate $seconds\`. Cores each part used over the sampled seconds (bench/cpu.py):"
  echo
  python3 -c "import json, sys; c = json.load(open(sys.argv[1])); print(', '.join(f'{k} {v / c[\"seconds\"]:.2f}' for k, v in c['cpuSeconds'].items()))" "$work/cpu.json"
  echo
  python3 -c "import json, sys; r = json.load(open(sys.argv[1]))['result']; d = r['deliveryLatencyMs']; print(f'Delivered {r[\"delivered\"]} of {r[\"sent\"]}, lost {r[\"lost\"]}; delivery p50 {d[\"p50\"]} ms, p99 {d[\"p99\"]} ms.')" "$work/loadgen.json"
  echo
  perf script -F comm,pid,tid,ip,sym,dso -i "$work/perf.data" 2> /dev/null | python3 bench/perf_report.py "$work/processes"
} > "$out"
say "wrote $out"

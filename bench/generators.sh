#!/usr/bin/env bash
# Two load generators against one system, in one run: tools/LoadGen of OTHER (a git ref) and of
# this checkout, taking turns at each rate (twice over), first against the full system, then the
# relay-only Edge. The system is this checkout's throughout, so any difference is the generators'.
# Prints one line per run (sent, lost, duplicates, delivery latency, and the generator's own CPU
# per message sent, read by `perf stat` from its connections being open to its exit, so that
# generators which do not report it themselves are measured alike); keeps each run's JSON in
# bench/results/generators/. About 12 minutes (20 with a third rate each side). Needs the ports of
# run-local.sh free, and root for perf; build first (dotnet build Chat.sln -c Release).
#   BENCH_GEN_FULL_RATES ("1000 3000")   BENCH_GEN_RELAY_RATES ("20000 40000")   BENCH_CONNECTIONS (200)
set -euo pipefail
cd "$(dirname "$0")/.."
other_ref=${1:?usage: bench/generators.sh OTHER-REF}
results="$(pwd)/bench/results/generators"
rm -rf "$results"
mkdir -p "$results"
connections=${BENCH_CONNECTIONS:-200}
full_rates=${BENCH_GEN_FULL_RATES:-1000 3000}
relay_rates=${BENCH_GEN_RELAY_RATES:-20000 40000}
say() { printf 'generators: %s\n' "$*" >&2; }
source bench/lib.sh
load_settings
need_perf

other=$(mktemp -d /tmp/chat-generator.XXXXXX)
git worktree add --detach "$other" "$other_ref" > /dev/null 2>&1
trap 'git worktree remove --force "$other" 2>/dev/null || true' EXIT
say "other = $(git -C "$other" log --oneline -1), building its LoadGen"
dotnet build "$other/tools/LoadGen" -c Release -nologo -v quiet > "$results/build-other.log" 2>&1
declare -A dll=([other]="$other/tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll" [this]="tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll")

# turns NAME RATES ARGS...: each rate twice, both generators in turn; one line per run.
turns() {
  local name=$1 rates=$2
  shift 2
  dotnet "${dll[this]}" "$@" --rate 1000 --duration 5 --drain 2 --prefix "${name}w$$" > /dev/null 2>&1
  for round in 1 2; do
    for rate in $rates; do
      for gen in other this; do
        local out="$results/$name-$rate-$gen-$round.json"
        : > "${out%.json}.log"
        dotnet "${dll[$gen]}" "$@" --rate "$rate" --duration 10 --drain 3 --prefix "$name$gen$rate$round$$" > "$out" 2> "${out%.json}.log" &
        local generator=$!
        wait_connected "${out%.json}.log"
        perf stat -x, -e task-clock -p "$generator" -o "${out%.json}.cpu" > /dev/null 2>&1 &
        local counter=$!
        wait "$generator"
        wait "$counter" || true
        python3 - "$out" "${out%.json}.cpu" "$name $rate/s, generator $gen, round $round:" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))['result']
l = r['deliveryLatencyMs']
ms = next(float(line.split(',')[0]) for line in open(sys.argv[2]) if 'task-clock' in line)
print(sys.argv[3], f"sent {r['sent']} lost {r['lost']} duplicates {r['duplicates']}; delivery p50 {l['p50']:.1f} p99 {l['p99']:.1f} p99.9 {l['p999']:.1f} max {l['max']:.1f} ms; generator {ms * 1000 / r['sent']:.0f} µs of CPU per message")
PY
      done
    done
  done
}

state=$(mktemp -d /tmp/chat-generator-state.XXXXXX)
chmod 755 "$state"
CHAT_STATE_DIR="$state" setsid scripts/run-local.sh > "$results/run-local.log" 2>&1 &
system=$!
wait_http http://127.0.0.1:8080/readyz
turns full "$full_rates" --targets "$edge_urls" --pattern spread --connections "$connections"
kill -TERM "$system"; wait "$system" 2>/dev/null || true
rm -rf "$state"

(cd bench/RelayEdge/bin/Release/net10.0 && ASPNETCORE_URLS=http://127.0.0.1:5901 ASPNETCORE_ENVIRONMENT=Benchmark \
  Logging__LogLevel__Default=Warning exec dotnet Chat.RelayEdge.dll) > "$results/relay-edge.log" 2>&1 &
relay=$!
wait_port 5901
turns relay "$relay_rates" --targets http://127.0.0.1:5901 --relay --pattern pairs --connections "$connections"
kill "$relay"; wait "$relay" 2>/dev/null || true

#!/usr/bin/env bash
# Two builds of the system side by side, in one run on this machine: BEFORE and AFTER (git refs;
# AFTER defaults to HEAD). Each is checked out and built in a folder of its own; the same load
# generator (AFTER's) drives both, and the parts alternate (full system before, after; relay-only
# Edge before, after) so that both meet the same machine. Measures:
#   - the full system's sweep (as bench/run.sh's part 1, without idle memory), and at one fixed
#     rate the Edges' allocations per delivered message: dotnet-counters reads the runtime's
#     dotnet.gc.heap.total_allocated of both Edge processes over the run;
#   - the relay-only Edge's sweep (bench/RelayEdge of each build).
# Writes bench/results/compare/*.json and prints the comparison (bench/compare.py); with
# BENCH_COMPARE_DOC=docs/benchmarks.md it also writes it between that file's compare markers.
# About 15 minutes. Needs the ports of run-local.sh free and dotnet-counters (installed when missing).
#   BENCH_COMPARE_FULL_RATES ("1000 2000 3000 4000")   BENCH_COMPARE_RELAY_RATES ("20000 30000 40000 50000")
#   BENCH_ALLOC_RATE (2000)   BENCH_CONNECTIONS (200)   BENCH_SECONDS (10 per rate)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
before_ref=${1:?usage: bench/compare.sh BEFORE [AFTER]}
after_ref=${2:-HEAD}
results="$root/bench/results/compare"
rm -rf "$results"
mkdir -p "$results"
connections=${BENCH_CONNECTIONS:-200}
seconds=${BENCH_SECONDS:-10}
full_rates=${BENCH_COMPARE_FULL_RATES:-1000 2000 3000 4000}
relay_rates=${BENCH_COMPARE_RELAY_RATES:-20000 30000 40000 50000}
alloc_rate=${BENCH_ALLOC_RATE:-2000}

say() { printf 'compare: %s\n' "$*" >&2; }
# wait_http, wait_port, sweep, load_settings
source bench/lib.sh
load_settings

counters=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
if [ ! -x "$counters" ]; then
  say "installing dotnet-counters (dotnet tool install -g)"
  dotnet tool install -g dotnet-counters >&2
fi

declare -A tree
build_trees "$before_ref" "$after_ref" chat-compare
loadgen_dll="${tree[after]}/tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll"
loadgen() { dotnet "$loadgen_dll" "$@"; }

full_system() { # SIDE
  local side=$1 state
  state=$(mktemp -d /tmp/chat-compare-state.XXXXXX)
  chmod 755 "$state"
  CHAT_STATE_DIR="$state" setsid "${tree[$side]}/scripts/run-local.sh" > "$results/run-local-$side.log" 2>&1 &
  local system=$!
  wait_http http://127.0.0.1:8080/readyz
  local edges
  edges=$(pgrep -f "${tree[$side]}/src/Edge/bin/Release/net10.0/Chat.Edge.dll" | paste -sd, -)
  local full=(--targets "$edge_urls" --pattern spread --connections "$connections")
  sweep "full-$side" "$edges" "$full_rates" "${full[@]}"
  say "full-$side: allocations at $alloc_rate/s"
  loadgen "${full[@]}" --rate "$alloc_rate" --duration "$seconds" --drain 3 --prefix "fa$side$$" --edge-pids "$edges" \
    > "$results/alloc-$side.json" 2> "$results/alloc-$side.log" &
  local run=$!
  # Counted while messages flow only: not while users sign up and connect.
  wait_connected "$results/alloc-$side.log"
  local watchers=()
  for pid in ${edges//,/ }; do
    "$counters" collect -p "$pid" --counters "System.Runtime[dotnet.gc.heap.total_allocated]" --format csv \
      -o "$results/alloc-$side-$pid.csv" --duration "$(trace_duration "$seconds")" > /dev/null 2>&1 &
    watchers+=($!)
  done
  wait "$run"
  wait "${watchers[@]}" || true
  kill -TERM "$system"; wait "$system" 2>/dev/null || true
  rm -rf "$state"
}

relay() { # SIDE
  local side=$1
  (cd "${tree[$side]}/bench/RelayEdge/bin/Release/net10.0" && ASPNETCORE_URLS=http://127.0.0.1:5901 ASPNETCORE_ENVIRONMENT=Benchmark \
    Logging__LogLevel__Default=Warning exec dotnet Chat.RelayEdge.dll) > "$results/relay-edge-$side.log" 2>&1 &
  local pid=$!
  wait_port 5901
  sweep "relay-$side" "$pid" "$relay_rates" --targets http://127.0.0.1:5901 --relay --pattern pairs --connections "$connections"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

for side in before after; do say "the full system, $side"; full_system "$side"; done
for side in before after; do say "the relay-only Edge, $side"; relay "$side"; done

printf '%s\n%s\n' "$(git -C "${tree[before]}" log --oneline -1)" "$(git -C "${tree[after]}" log --oneline -1)" > "$results/refs.txt"
python3 bench/compare.py "$results" "$full_rates" "$relay_rates" "$alloc_rate" ${BENCH_COMPARE_DOC:+"$BENCH_COMPARE_DOC"}

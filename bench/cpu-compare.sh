#!/usr/bin/env bash
# Two builds' full systems at fixed rates, in one run: BEFORE and AFTER (git refs; AFTER defaults
# to HEAD), each checked out and built in a folder of its own, driven by AFTER's load generator.
# At each rate (BENCH_CPU_RATES) the delivery latency, and the CPU every part of the system spent
# per offered message (bench/cpu.py over the middle of the run: not the sign-ups, not the drain).
# Writes bench/results/cpu-compare/ and prints two markdown tables (bench/cpu_compare.py): CPU, and
# context switches per offered message.
# About 12 minutes. Needs the ports of run-local.sh free.
#   BENCH_CPU_RATES ("1000 3000 5000 7000")   BENCH_CONNECTIONS (200)
#   BENCH_SEED (0): 1 seeds each system's message store first (bench/seed-store.sql: 100,000 other
#   users, a million older messages), so that PostgreSQL plans as in a deployment
#   BENCH_ENV_BEFORE, BENCH_ENV_AFTER (none): VAR=value pairs for that side's services, to compare
#   a runtime setting on one build: BENCH_ENV_AFTER="DOTNET_gcServer=0" bench/cpu-compare.sh HEAD HEAD
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
before_ref=${1:?usage: bench/cpu-compare.sh BEFORE [AFTER]}
after_ref=${2:-HEAD}
results="$root/bench/results/cpu-compare"
rm -rf "$results"
mkdir -p "$results"
connections=${BENCH_CONNECTIONS:-200}
rates=${BENCH_CPU_RATES:-1000 3000 5000 7000}
say() { printf 'cpu-compare: %s\n' "$*" >&2; }
source bench/lib.sh
load_settings

declare -A tree
build_trees "$before_ref" "$after_ref" chat-cpu
loadgen() { dotnet "${tree[after]}/tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll" "$@"; }

for side in before after; do
  say "the full system, $side"
  state=$(mktemp -d /tmp/chat-cpu-state.XXXXXX)
  chmod 755 "$state"
  settings=BENCH_ENV_${side^^}
  # shellcheck disable=SC2086 # the settings are words on purpose: VAR=value pairs for env
  env ${!settings:-} CHAT_STATE_DIR="$state" setsid "${tree[$side]}/scripts/run-local.sh" > "$results/run-local-$side.log" 2>&1 &
  system=$!
  wait_http http://127.0.0.1:8080/readyz
  [ "${BENCH_SEED:-0}" = 1 ] && { say "seeding the message store"; seed_store; }
  full=(--targets "$edge_urls" --pattern spread --connections "$connections")
  loadgen "${full[@]}" --rate 1000 --duration 5 --drain 2 --prefix "w$side$$" > /dev/null 2>&1
  for rate in $rates; do
    say "$side at $rate/s"
    log="$results/$side-$rate.log"
    : > "$log"
    loadgen "${full[@]}" --rate "$rate" --duration 12 --drain 3 --prefix "c$side$rate$$" > "$results/$side-$rate.json" 2> "$log" &
    run=$!
    # From the first timed seconds (after the generator's warm-up) for eight seconds.
    wait_connected "$log"
    sleep 6
    python3 bench/cpu.py 8 > "$results/$side-$rate-cpu.json"
    wait "$run"
  done
  kill -TERM "$system"; wait "$system" 2>/dev/null || true
  rm -rf "$state"
done
printf '%s %s\n%s %s\n' "$(git -C "${tree[before]}" log --oneline -1)" "${BENCH_ENV_BEFORE:-}" \
  "$(git -C "${tree[after]}" log --oneline -1)" "${BENCH_ENV_AFTER:-}" > "$results/refs.txt"
python3 bench/cpu_compare.py "$results" "$rates"

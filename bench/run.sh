#!/usr/bin/env bash
# Runs the same LoadGen workload, in one go on this machine, against (1) the full system (two Edges
# + Redis + ChatService on PostgreSQL, started by scripts/run-local.sh), (2) one Edge in the
# relay-only mode (the ceiling of our WebSocket path) and (3) a minimal Node.js `ws` relay (a
# peer); then idle connections. Writes bench/results/*.json and the table between the markers in
# docs/benchmarks.md. About five minutes. Needs the ports of run-local.sh free.
#   BENCH_CONNECTIONS (200)  BENCH_RATES ("500 2000")  BENCH_SECONDS (20)  BENCH_IDLE (10000)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
results="$root/bench/results"
mkdir -p "$results"
connections=${BENCH_CONNECTIONS:-200}
rates=${BENCH_RATES:-500 2000}
seconds=${BENCH_SECONDS:-20}
idle=${BENCH_IDLE:-10000}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

say() { printf 'bench: %s\n' "$*" >&2; }
loadgen() { dotnet tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll "$@"; }
wait_http() { for _ in $(seq 1 120); do curl -sf -o /dev/null "$1" && return 0; sleep 1; done; return 1; }
wait_port() { for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.5; done; return 1; }
pids_of() { pgrep -f "$1" | paste -sd, -; }

dotnet build Chat.sln -c Release -nologo -v quiet
(cd bench/node-relay && npm install --silent --no-audit --no-fund)
run_id="full-$$"

say "(1) the full system"
setsid scripts/run-local.sh > "$results/run-local.log" 2>&1 &
local_pid=$!
trap 'kill -TERM $local_pid 2>/dev/null || true' EXIT
wait_http http://127.0.0.1:8080/readyz
edges=$(pids_of "src/Edge/bin/Release/net10.0/Chat.Edge.dll")
for rate in $rates; do
  loadgen --targets http://127.0.0.1:5001,http://127.0.0.1:5002 --pattern spread --connections "$connections" \
    --rate "$rate" --duration "$seconds" --prefix "b${run_id}r${rate}" --edge-pids "$edges" > "$results/full-$rate.json"
done
loadgen --targets http://127.0.0.1:5001,http://127.0.0.1:5002 --idle --connections "$idle" --prefix "b${run_id}" --edge-pids "$edges" > "$results/full-idle.json"
kill -TERM $local_pid; wait $local_pid 2>/dev/null || true
trap - EXIT

say "(2) the Edge in relay-only mode"
(cd src/Edge/bin/Release/net10.0 && ASPNETCORE_URLS=http://127.0.0.1:5901 ASPNETCORE_ENVIRONMENT=Development \
  Realtime__RelayOnly=true Logging__LogLevel__Default=Warning exec dotnet Chat.Edge.dll) > "$results/relay-edge.log" 2>&1 &
relay_pid=$!
wait_port 5901
for rate in $rates; do
  loadgen --targets http://127.0.0.1:5901 --relay --pattern pairs --connections "$connections" --rate "$rate" --duration "$seconds" \
    --prefix "r$rate" --edge-pids "$relay_pid" > "$results/relay-$rate.json"
done
loadgen --targets http://127.0.0.1:5901 --relay --idle --connections "$idle" --edge-pids "$relay_pid" > "$results/relay-idle.json"
kill $relay_pid; wait $relay_pid 2>/dev/null || true

say "(3) the Node.js ws relay"
PORT=5902 node bench/node-relay/server.js > "$results/node-relay.log" 2>&1 &
node_pid=$!
wait_port 5902
for rate in $rates; do
  loadgen --targets http://127.0.0.1:5902 --relay --pattern pairs --connections "$connections" --rate "$rate" --duration "$seconds" \
    --prefix "n$rate" --edge-pids "$node_pid" > "$results/node-$rate.json"
done
loadgen --targets http://127.0.0.1:5902 --relay --idle --connections "$idle" --edge-pids "$node_pid" > "$results/node-idle.json"
kill $node_pid; wait $node_pid 2>/dev/null || true

say "writing docs/benchmarks.md"
python3 bench/summarize.py "$results" "$rates" docs/benchmarks.md
say "done: bench/results/ and docs/benchmarks.md"

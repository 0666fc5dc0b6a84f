#!/usr/bin/env bash
# Runs the same LoadGen workload, in one go on this machine, against (1) the full system (two Edges
# + Redis + ChatService on PostgreSQL, started by scripts/run-local.sh), (2) the relay-only Edge
# (bench/RelayEdge: the Edge without accounts or store, the ceiling of our WebSocket path) and (3) a minimal Node.js `ws` relay (a
# peer), each over a sweep of rates to find its maximum; then idle connections; then (4) the full
# system three times more, telemetry off (Telemetry__Enabled=false), metrics only (no OTLP
# endpoint: no spans) and on (metrics, and every trace exported over OTLP to bench/otlp-sink.py),
# for telemetry's cost. Writes bench/results/*.json and
# the tables between the markers in docs/benchmarks.md. About half an hour. Needs the ports of
# run-local.sh free.
#   BENCH_CONNECTIONS (200)   BENCH_SECONDS (10 per rate)   BENCH_IDLE (15000)
#   BENCH_FULL_RATES ("1000 2000 … 7000")
#   BENCH_RELAY_RATES ("10000 20000 30000 35000 … 60000 70000"), for the relay-only Edge and Node.js
#   BENCH_TELEMETRY_RATES ("3000 4000 … 8000"), (4)'s sweep, the same for off and on
#   BENCH_PARTS ("full relay node telemetry"): the parts to run; docs/benchmarks.md is rewritten
#                only when all run
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
results="$root/bench/results"
mkdir -p "$results"
connections=${BENCH_CONNECTIONS:-200}
seconds=${BENCH_SECONDS:-10}
idle=${BENCH_IDLE:-15000}
full_rates=${BENCH_FULL_RATES:-1000 2000 3000 4000 5000 6000 7000}
relay_rates=${BENCH_RELAY_RATES:-10000 20000 30000 35000 40000 45000 50000 55000 60000 70000}
telemetry_rates=${BENCH_TELEMETRY_RATES:-3000 4000 5000 6000 7000 8000}
parts=" ${BENCH_PARTS:-full relay node telemetry} "
runs() { [[ $parts == *" $1 "* ]]; }
# Only this script's own results: the folder also holds other scripts' (bench/capacity.sh's).
if [ "$parts" = " full relay node telemetry " ]; then rm -f "$results"/{full,relay,node,telemetry}-*.json; fi

say() { printf 'bench: %s\n' "$*" >&2; }
loadgen() { dotnet tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll "$@"; }
pids_of() { pgrep -f "$1" | paste -sd, -; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_http, wait_port, sweep, load_settings
source bench/lib.sh
load_settings

# measure_relay NAME PID PORT: a relay (no accounts) just started as PID on PORT: idle memory while
# it is fresh, then the sweep; then it is stopped.
measure_relay() {
  local name=$1 pid=$2 port=$3
  wait_port "$port"
  loadgen --targets "http://127.0.0.1:$port" --relay --idle --connections "$idle" --edge-pids "$pid" > "$results/$name-idle.json"
  sweep "$name" "$pid" "$relay_rates" --targets "http://127.0.0.1:$port" --relay --pattern pairs --connections "$connections"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

dotnet build Chat.sln -c Release -nologo -v quiet
(cd bench/node-relay && npm install --silent --no-audit --no-fund)

# start_full LOG: the full system (scripts/run-local.sh) on an empty state folder, with this
# shell's environment; sets local_pid, state and edges.
start_full() {
  state=$(mktemp -d /tmp/chat-bench.XXXXXX)
  chmod 755 "$state"
  CHAT_STATE_DIR="$state" setsid scripts/run-local.sh > "$1" 2>&1 &
  local_pid=$!
  trap 'kill -TERM $local_pid 2>/dev/null || true; rm -rf "$state"' EXIT
  wait_http http://127.0.0.1:8080/readyz
  edges=$(pids_of "src/Edge/bin/Release/net10.0/Chat.Edge.dll")
}
stop_full() {
  kill -TERM $local_pid; wait $local_pid 2>/dev/null || true
  trap - EXIT
  rm -rf "$state"
}

if runs full; then
say "(1) the full system"
# An empty database every time: the tables of earlier runs (millions of rows, their indexes and
# dead tuples) made later runs slower than the same code on a fresh one.
start_full "$results/run-local.log"
# Idle memory first, while the processes are fresh: after a load run their heaps have free space
# that new connections fill, and the growth would understate what a connection costs.
loadgen --targets "$edge_urls" --idle --connections "$idle" --prefix "i$$" --edge-pids "$edges" > "$results/full-idle.json"
full=(--targets "$edge_urls" --pattern spread --connections "$connections")
sweep full "$edges" "$full_rates" "${full[@]}"
# Where the CPU goes at the highest rate the full system sustained, per part, from /proc.
top=$(python3 bench/summarize.py --max "$results" full "$full_rates")
say "full at its maximum, $top/s, measuring CPU"
loadgen "${full[@]}" --rate "$top" --duration "$seconds" --drain 3 --prefix "fullc$$" --edge-pids "$edges" > /dev/null 2> "$results/full-cpu.log" &
# Measured while sending only: not while users sign up (password hashing) or connect.
wait_connected "$results/full-cpu.log"
sleep 2
python3 bench/cpu.py "$((seconds - 4))" | python3 -c "import json, sys; d = json.load(sys.stdin); d['rate'] = $top; print(json.dumps(d))" > "$results/full-cpu.json"
wait $!
# The goal's second figure: latency at half of that rate.
half=$(python3 bench/summarize.py --half-of-max "$results" full "$full_rates")
say "full at half of its maximum: $half/s"
loadgen "${full[@]}" --rate "$half" --duration "$seconds" --drain 3 --prefix "fullh$$" --edge-pids "$edges" > "$results/full-half.json"
stop_full
fi

if runs relay; then
say "(2) the relay-only Edge (bench/RelayEdge)"
(cd bench/RelayEdge/bin/Release/net10.0 && ASPNETCORE_URLS=http://127.0.0.1:5901 ASPNETCORE_ENVIRONMENT=Benchmark \
  Logging__LogLevel__Default=Warning exec dotnet Chat.RelayEdge.dll) > "$results/relay-edge.log" 2>&1 &
measure_relay relay $! 5901
fi

if runs node; then
say "(3) the Node.js ws relay"
PORT=5902 node bench/node-relay/server.js > "$results/node-relay.log" 2>&1 &
measure_relay node $! 5902
fi

if runs telemetry; then
# Off, metrics only, then everything, each on a fresh system and database; the same sweep, then CPU at one rate that both
# sustain (the lowest of the sweep), which shows the cost where throughput does not.
full=(--targets "$edge_urls" --pattern spread --connections "$connections")
low=${telemetry_rates%% *}
for mode in off metrics on; do
  say "(4) the full system, telemetry $mode"
  if [ "$mode" = off ]; then
    export Telemetry__Enabled=false
  elif [ "$mode" = metrics ]; then
    export Telemetry__Enabled=true
  else
    export Telemetry__Enabled=true OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
    ! listening 4318 || { say "port 4318 (the OTLP sink's) is in use"; exit 1; }
    python3 bench/otlp-sink.py 4318 > "$results/otlp-sink.log" 2>&1 &
    sink_pid=$!
    wait_port 4318
  fi
  start_full "$results/run-local-telemetry-$mode.log"
  sweep "telemetry-$mode" "$edges" "$telemetry_rates" "${full[@]}"
  loadgen "${full[@]}" --rate "$low" --duration "$seconds" --drain 3 --prefix "tc$mode$$" --edge-pids "$edges" > /dev/null 2> "$results/telemetry-$mode-cpu.log" &
  wait_connected "$results/telemetry-$mode-cpu.log"
  sleep 2
  python3 bench/cpu.py "$((seconds - 4))" | python3 -c "import json, sys; d = json.load(sys.stdin); d['rate'] = $low; print(json.dumps(d))" > "$results/telemetry-$mode-cpu.json"
  wait $!
  stop_full
  if [ "$mode" = on ]; then
    kill -TERM "$sink_pid"; wait "$sink_pid" 2>/dev/null || true
  fi
done
unset Telemetry__Enabled OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_PROTOCOL
python3 bench/telemetry_cost.py "$results" "$telemetry_rates" > "$results/telemetry-cost.md"
cat "$results/telemetry-cost.md" >&2
fi

if [ "$parts" = " full relay node telemetry " ]; then
  say "writing docs/benchmarks.md"
  python3 bench/summarize.py "$results" "$full_rates" "$relay_rates" docs/benchmarks.md
  python3 bench/telemetry_cost.py "$results" "$telemetry_rates" docs/benchmarks.md
fi
say "done: bench/results/"

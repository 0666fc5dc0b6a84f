#!/usr/bin/env bash
# The bus alone, past one Redis (docs/benchmarks.md, "The bus past one Redis"): bench/BusBench's two
# buses ("two Edges", half the users subscribed on each, publishers on each publishing to users
# on the other) on (1) one Redis, (2) a Redis Cluster of three primaries with classic pub/sub and
# (3) the same cluster with sharded pub/sub, as the Edge uses it. Prints one JSON line per run
# (msgs/s, each Redis process's CPU per message) and writes them to bench/results/bus.jsonl.
# The cluster has no replicas: a replica would add the same replication stream in (2) and (3).
#   BUS_USERS (2000)  BUS_PUBLISHERS (64)  BUS_SECONDS (10)  BUS_RUNS (3)  BUS_PORT (57400: the first of 4)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
users=${BUS_USERS:-2000}
publishers=${BUS_PUBLISHERS:-64}
seconds=${BUS_SECONDS:-10}
runs=${BUS_RUNS:-3}
port=${BUS_PORT:-57400}
results="$root/bench/results/bus.jsonl"
work=$(mktemp -d)
pids=()

say() { printf 'bus: %s\n' "$*" >&2; }
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop_all EXIT

# redis PORT [ARGS…]: a redis-server in its own folder, nothing persisted; its pid is the last in pids.
redis() {
  local p=$1
  shift
  mkdir -p "$work/$p"
  (cd "$work/$p" && exec redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no "$@") >"$work/$p.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  say "redis on $p did not start: $(cat "$work/$p.log")"
  exit 1
}
bench() { dotnet bench/BusBench/bin/Release/net10.0/Chat.BusBench.dll --users "$users" --publishers "$publishers" --seconds "$seconds" "$@"; }

say "building bench/BusBench"
dotnet build bench/BusBench -c Release -nologo -v quiet >/dev/null
: >"$results"

say "one Redis on $port"
redis "$port"
single_pid=${pids[-1]}

cluster_ports=($((port + 1)) $((port + 2)) $((port + 3)))
say "a Redis Cluster of three primaries on ${cluster_ports[*]}"
cluster_pids=()
cluster_nodes=()
for p in "${cluster_ports[@]}"; do
  redis "$p" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-port $((p + 100))
  cluster_pids+=("${pids[-1]}")
  cluster_nodes+=("127.0.0.1:$p")
done
redis-cli --cluster create "${cluster_nodes[@]}" --cluster-replicas 0 --cluster-yes >"$work/create.log" 2>&1 \
  || { say "cluster create failed: $(cat "$work/create.log")"; exit 1; }
for _ in $(seq 1 100); do
  ok=1
  for p in "${cluster_ports[@]}"; do redis-cli -p "$p" cluster info | grep -q '^cluster_state:ok' || ok=0; done
  [ "$ok" = 1 ] && break
  sleep 0.1
done
nodes=$(IFS=,; echo "${cluster_nodes[*]}")
node_pids=$(IFS=,; echo "${cluster_pids[*]}")

# What the nodes cost with no load at all (cluster cron, gossip between nodes), to set against the runs.
cpu_us() { awk '{ sub(/.*\) /, ""); split($0, f, " "); print (f[12] + f[13]) * 10000 }' "/proc/$1/stat"; }
idle_seconds=5
before=()
for pid in "$single_pid" "${cluster_pids[@]}"; do before+=("$(cpu_us "$pid")"); done
sleep "$idle_seconds"
idle=()
i=0
for pid in "$single_pid" "${cluster_pids[@]}"; do
  idle+=($(( ($(cpu_us "$pid") - before[i]) / idle_seconds )))
  i=$((i + 1))
done
printf '{"label":"idle","redisCpuMicrosecondsPerSecond":{"oneRedis":%s,"clusterNodes":[%s,%s,%s]}}\n' "${idle[@]}" | tee -a "$results"

for run in $(seq 1 "$runs"); do
  say "run $run of $runs"
  bench --redis "127.0.0.1:$port" --pids "$single_pid" --label "one Redis" | tee -a "$results"
  bench --redis "$nodes" --pids "$node_pids" --channels classic --label "3-primary cluster, classic pub/sub" | tee -a "$results"
  bench --redis "$nodes" --pids "$node_pids" --label "3-primary cluster, sharded pub/sub" | tee -a "$results"
done
say "results in $results"

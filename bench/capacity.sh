#!/usr/bin/env bash
# The figures docs/capacity.md scales from that bench/run.sh does not give: what an idle
# authenticated connection costs each part per second (WebSocket keep-alive pings, presence
# heartbeats, ended-session checks), what one presence heartbeat costs Redis, and how many bytes
# of tables and WAL a stored 1:1 message costs PostgreSQL. CPU is counted for this run's own
# processes only (bench/cpu.py with markers), so other work on the machine does not enter it.
# Writes bench/results/capacity.json. About 10 minutes; needs the ports of run-local.sh free.
#   CAPACITY_IDLE (15000 connections)  CAPACITY_IDLE_USERS (1000)  CAPACITY_SECONDS (60)
#   CAPACITY_MESSAGES (20000, sent at 1000/s)
set -euo pipefail
cd "$(dirname "$0")/.."
results=bench/results
mkdir -p "$results"
idle=${CAPACITY_IDLE:-15000}
idle_users=${CAPACITY_IDLE_USERS:-1000}
seconds=${CAPACITY_SECONDS:-60}
messages=${CAPACITY_MESSAGES:-20000}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
say() { printf 'capacity: %s\n' "$*" >&2; }
loadgen() { dotnet tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll "$@"; }
export Realtime__MessagesPerSecond=100000 Realtime__Burst=100000

dotnet build Chat.sln -c Release -nologo -v quiet

# (1) Redis alone: one presence heartbeat of a user is ZADD, ZREMRANGEBYSCORE and EXPIRE on its
# key (src/Edge/Presence/RedisPresence.cs), pipelined; the server's CPU per command from /proc.
say "(1) Redis: a presence heartbeat's three commands"
redis_dir=$(mktemp -d /tmp/chat-capacity-redis.XXXXXX)
redis-server --port 56390 --bind 127.0.0.1 --save '' --appendonly no --dir "$redis_dir" --daemonize no --logfile '' > /dev/null &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null || true; rm -rf "$redis_dir"' EXIT
until redis-cli -p 56390 ping 2>/dev/null | grep -q PONG; do sleep 0.2; done
redis_cpu() { awk '{print $14 + $15}' "/proc/$redis_pid/stat"; }
ticks=$(getconf CLK_TCK)
per_command() { # COMMAND ARGS...: Redis CPU microseconds per command over 300,000 of them
  local before after
  before=$(redis_cpu)
  redis-benchmark -p 56390 -n 300000 -r 100000 -P 32 -q "$@" > /dev/null
  after=$(redis_cpu)
  python3 -c "print(round(($after - $before) / $ticks / 300000 * 1e6, 2))"
}
zadd=$(per_command ZADD chat:presence:{u__rand_int__} 1733300000000 node-a)
trim=$(per_command ZREMRANGEBYSCORE chat:presence:{u__rand_int__} -inf "(1733299970000")
expire=$(per_command EXPIRE chat:presence:{u__rand_int__} 2592000)
keys=$(redis-cli -p 56390 dbsize)
memory=$(redis-cli -p 56390 info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
kill $redis_pid; wait $redis_pid 2>/dev/null || true
trap - EXIT
rm -rf "$redis_dir"

# (2) The full system with idle connections: CPU per connection-second of every part.
say "(2) the full system: $idle idle connections of $idle_users users"
state=$(mktemp -d /tmp/chat-capacity.XXXXXX)
chmod 755 "$state"
CHAT_STATE_DIR="$state" setsid scripts/run-local.sh > "$results/capacity-run-local.log" 2>&1 &
local_pid=$!
trap 'kill -TERM -$local_pid 2>/dev/null || true; sleep 2; rm -rf "$state"' EXIT
for _ in $(seq 1 120); do
  kill -0 $local_pid 2>/dev/null || { say "run-local.sh stopped (its ports in use?): see $results/capacity-run-local.log"; exit 1; }
  curl -sf -o /dev/null http://127.0.0.1:8080/readyz && break
  sleep 1
done
edges=$(pgrep -f "src/Edge/bin/Release/net10.0/Chat.Edge.dll" | paste -sd, -)
targets=http://127.0.0.1:5001,http://127.0.0.1:5002
loadgen --targets "$targets" --idle --connections "$idle" --idle-users "$idle_users" --hold "$((seconds + 40))" \
  --prefix "cap$$" --edge-pids "$edges" > "$results/capacity-idle.json" 2> "$results/capacity-idle.log" &
idle_pid=$!
until grep -q "^$idle idle connections" "$results/capacity-idle.log"; do sleep 0.5; done
sleep 20 # the handshakes' garbage collected, the first heartbeats and checks past
python3 bench/cpu.py "$seconds" "$state" scripts/run-local.sh > "$results/capacity-idle-cpu.json"
wait $idle_pid

# (3) Bytes per stored message: tables, indexes and WAL of the message database over a known load.
say "(3) PostgreSQL: bytes per stored message"
psql_messages() { psql -h "$state/postgres" -p 55432 -U postgres -d chat_messages -Atc "$1"; }
sizes="SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
size_before=$(psql_messages "$sizes")
wal_before=$(psql_messages "SELECT pg_current_wal_lsn()")
rate=1000
loadgen --targets "$targets" --pattern spread --connections 200 --rate "$rate" --duration "$((messages / rate))" --drain 3 \
  --prefix "capm$$" --edge-pids "$edges" > "$results/capacity-store.json" 2> /dev/null
psql_messages "CHECKPOINT" > /dev/null
size_after=$(psql_messages "$sizes")
wal_bytes=$(psql_messages "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$wal_before')")
stored=$(python3 -c "import json; print(json.load(open('$results/capacity-store.json'))['result']['acknowledged'])")
kill -TERM -$local_pid; wait $local_pid 2>/dev/null || true
trap - EXIT
rm -rf "$state"

python3 - "$results" <<PY
import json, sys
results = sys.argv[1]
idle = json.load(open(f"{results}/capacity-idle.json"))
cpu = json.load(open(f"{results}/capacity-idle-cpu.json"))
connection_seconds = idle["connections"] * cpu["seconds"]
out = {
    "redis": {"zaddMicros": $zadd, "zremrangebyscoreMicros": $trim, "expireMicros": $expire,
              "heartbeatMicros": round($zadd + $trim + $expire, 2),
              "bytesPerPresenceKey": round($memory / max($keys, 1))},
    "idle": {"connections": idle["connections"], "users": $idle_users, "seconds": round(cpu["seconds"], 1),
             "edgeBytesPerConnection": idle["bytesPerConnection"],
             "microsPerConnectionSecond": {part: round(used / connection_seconds * 1e6, 3) for part, used in cpu["cpuSeconds"].items()}},
    "store": {"messages": $stored, "tableAndIndexBytesPerMessage": round(($size_after - $size_before) / $stored),
              "walBytesPerMessage": round($wal_bytes / $stored)},
}
json.dump(out, open(f"{results}/capacity.json", "w"), indent=2)
print(json.dumps(out, indent=2))
PY

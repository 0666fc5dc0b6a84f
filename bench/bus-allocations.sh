#!/usr/bin/env bash
# Bytes the Edge allocates per delivered message on the bus (docs/benchmarks.md, "Bytes once (issue
# 17)"): bench/BusBench's allocation run (AllocationBench.cs) on a redis-server of its own, started
# on a free port and stopped at the end. Prints one JSON line per run: bytes allocated per message
# delivered, for 1:1 messages and for group messages (each delivered to every member).
#   ALLOC_MESSAGES (20000)  ALLOC_MEMBERS (10)  ALLOC_PUBLISHERS (8)  ALLOC_RUNS (3)  ALLOC_LABEL (the commit)
#   ALLOC_NO_BUILD=1: run what is built
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${ALLOC_MESSAGES:-20000}
members=${ALLOC_MEMBERS:-10}
publishers=${ALLOC_PUBLISHERS:-8}
runs=${ALLOC_RUNS:-3}
label=${ALLOC_LABEL:-$(git rev-parse --short HEAD)}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$work" && exec redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no) >"$work/redis.log" 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

[ "${ALLOC_NO_BUILD:-}" = 1 ] || dotnet build bench/BusBench -c Release -nologo -v quiet >&2
for _ in $(seq 1 "$runs"); do
  dotnet bench/BusBench/bin/Release/net10.0/Chat.BusBench.dll allocations --redis "127.0.0.1:$port" \
    --messages "$messages" --members "$members" --publishers "$publishers" --label "$label"
done

#!/usr/bin/env bash
# What an idle authenticated connection costs one Edge: the full system (scripts/run-local.sh, a
# fresh state folder), a warm-up round of 1,000 idle connections on Edge 1 (so that pools and code
# warmed up once do not count), then a `dotnet-gcdump` (a full collection, then the live objects
# by type) before and with 5,000 idle authenticated connections (500 users). Prints the live bytes
# and the resident bytes (the Edge's RSS with the connections, before the dump attaches, less
# its RSS after the generator's sign-ups) per connection, and
# the types that grew most (bench/results/idle-memory/summary.txt; the full reports beside it are
# not kept in git). About 4 minutes.
# Needs the ports of run-local.sh free and dotnet-gcdump (dotnet tool install -g dotnet-gcdump).
set -euo pipefail
cd "$(dirname "$0")/.."
results=bench/results/idle-memory
rm -rf "$results"
mkdir -p "$results"
say() { printf 'idle-memory: %s\n' "$*" >&2; }
source bench/lib.sh
gcdump=$(command -v dotnet-gcdump || echo "$HOME/.dotnet/tools/dotnet-gcdump")
[ -x "$gcdump" ] || { say "dotnet-gcdump is needed: dotnet tool install -g dotnet-gcdump"; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
loadgen() { dotnet tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll "$@"; }

state=$(mktemp -d /tmp/chat-idle-memory.XXXXXX)
chmod 755 "$state"
CHAT_STATE_DIR="$state" setsid scripts/run-local.sh > "$results/run-local.log" 2>&1 &
system=$!
# The system stopped however this ends, with this script's own status (not the system's).
trap 'status=$?; kill -TERM "$system" 2>/dev/null || true; wait "$system" 2>/dev/null || true; rm -rf "$state"; exit "$status"' EXIT
wait_http http://127.0.0.1:8080/readyz || { say "the system did not start: $(tail -5 "$results/run-local.log")"; exit 1; }
edge=
for pid in $(pgrep -f 'Chat.Edge.dll'); do
  grep -qz '127.0.0.1:5001' "/proc/$pid/environ" && edge=$pid
done
[ -n "$edge" ] || { say "no Edge listens on 127.0.0.1:5001"; exit 1; }

say "warming up: 1,000 idle connections, then closed"
loadgen --targets http://127.0.0.1:5001 --idle --connections 1000 --idle-users 200 --hold 2 --prefix "warm$$" > /dev/null 2>&1
"$gcdump" collect -p "$edge" -o "$results/before.gcdump" > /dev/null
say "5,000 idle connections"
loadgen --targets http://127.0.0.1:5001 --idle --connections 5000 --idle-users 500 --hold 30 --edge-pids "$edge" --prefix "held$$" \
  > "$results/held.json" 2> "$results/held.log" &
held=$!
until grep -q '^5000 idle connections' "$results/held.log"; do
  kill -0 "$held" 2>/dev/null || { say "the generator stopped: $(tail -3 "$results/held.log")"; exit 1; }
  sleep 1
done
# The Edge's resident memory now, before the dump attaches: the dump's own buffers (several MB in
# the Edge's native heap) would be counted as the connections'. Against the generator's baseline,
# taken after its sign-ups.
awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$edge/status" > "$results/rss-with.txt"
"$gcdump" collect -p "$edge" -o "$results/with.gcdump" > /dev/null
wait "$held"
"$gcdump" report "$results/before.gcdump" > "$results/before.txt"
"$gcdump" report "$results/with.gcdump" > "$results/with.txt"
rm -f "$results"/*.gcdump
python3 - "$results" 5000 <<'PY' | tee "$results/summary.txt"
import json, re, sys
results, connections = sys.argv[1], int(sys.argv[2])

def heap(path):
    """Total live bytes, and bytes by type (the report's first column is per object)."""
    total, by_type = None, {}
    for line in open(path):
        if (m := re.match(r'\s*([\d,]+)\s+GC Heap bytes', line)):
            total = int(m.group(1).replace(',', ''))
        elif (m := re.match(r'\s*([\d,]+)\s+([\d,]+)\s+(.*?)\s+\[', line)):
            size, count = (int(g.replace(',', '')) for g in m.groups()[:2])
            by_type[m.group(3)] = by_type.get(m.group(3), 0) + size * count
    return total, by_type

(before, before_types), (after, after_types) = heap(f'{results}/before.txt'), heap(f'{results}/with.txt')
held = json.load(open(f'{results}/held.json'))
print(f'live objects per connection: {(after - before) / connections:,.0f} bytes')
rss_with = int(open(f'{results}/rss-with.txt').read())
print(f"resident per connection: {(rss_with - held['edgeRssBeforeBytes']) / connections:,.0f} bytes")
growth = sorted(((after_types.get(t, 0) - before_types.get(t, 0)) / connections, t) for t in set(after_types) | set(before_types))
for per, name in reversed(growth[-15:]):
    print(f'{per:8,.0f}  {name}')
PY

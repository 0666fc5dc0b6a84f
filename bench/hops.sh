#!/usr/bin/env bash
# Where one message's time goes between the processes (issue 22): the local system
# (scripts/run-local.sh, a fresh database) warmed up, then two users on different Edges send each
# other RATE messages/s (20 by default: every message alone on an otherwise idle system) while
# tcpdump records the loopback packets with data between the load generator, the Edges,
# ChatService, UserService, PostgreSQL and Redis. bench/hops.py lines up each message's packets
# and prints the median time of each step: how long each process held the message before passing
# it on. Writes bench/results/hops-RATE.md. About a minute. Needs the ports of run-local.sh free,
# and root (tcpdump).
#
# Usage: bench/hops.sh [RATE] [SECONDS]   (default 20 messages/s for 10 s)
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-20}
seconds=${2:-10}
results=bench/results
mkdir -p "$results"
say() { printf 'hops: %s\n' "$*" >&2; }
loadgen() { dotnet tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll "$@"; }
source bench/lib.sh
load_settings

if ! command -v tcpdump > /dev/null; then
  say "installing tcpdump (apt)"
  apt-get install -y -qq tcpdump > /dev/null
fi

work=$(mktemp -d /tmp/chat-hops.XXXXXX)
chmod 755 "$work"
start_system "$work"
warm_up h

say "two users at $rate/s for $seconds s, recording the loopback interface"
: > "$work/loadgen.log"
loadgen --targets "$edge_urls" --pattern spread --connections 2 --rate "$rate" --duration "$seconds" --drain 2 \
  --settle 3 --prefix "h$$" > "$work/loadgen.json" 2> "$work/loadgen.log" &
run=$!
wait_connected "$work/loadgen.log"
ss -tnpH > "$work/sockets"
ss -tlnpH > "$work/listening"
# Only packets that carry data (the IP length less both headers), between the processes named above.
tcpdump -i lo -n -s 128 -w "$work/packets.pcap" \
  'tcp and (port 5001 or port 5002 or port 7001 or port 7002 or port 55432 or port 56379) and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)' \
  2> "$work/tcpdump.log" &
recorder=$!
wait "$run"
kill -INT "$recorder"
wait "$recorder" 2>/dev/null || true
tcpdump -r "$work/packets.pcap" -n -tt -q 2>/dev/null > "$work/packets"

out="$results/hops-$rate.md"
python3 bench/hops.py "$work/packets" "$work/sockets" "$work/listening" "$rate" > "$out"
python3 - "$work/loadgen.json" >> "$out" <<'EOF'
import json, sys
result = json.load(open(sys.argv[1]))['result']
def p(name):
    return '{p50:.2f} / {p99:.2f}'.format(**result[name])
print(f"\nThe load generator's own figures for the same messages (ms, p50 / p99; they include its own "
      f"posting, writing and reading): `sent` {p('ackLatencyMs')}, delivery {p('deliveryLatencyMs')}, "
      f"posted late by {p('postLagMs')}; {result['delivered']} delivered, {result['lost']} lost.")
EOF
say "wrote $out (commit $(git log --oneline -1 | cut -c1-60))"
cat "$out"

#!/usr/bin/env bash
# What a garbage collection's pause is made of, with the full system under load (issue 22): the
# local system (scripts/run-local.sh, a fresh database) driven at RATE messages/s by tools/LoadGen,
# 200 connections, `spread`; in the middle of the run `dotnet-trace` records the GC events of both
# Edges and of ChatService for SECONDS, and bench/GcPauses splits each pause into the wait for the
# process's threads to stop, the collection and the restart, and each collection's marking by kind
# of root. Writes bench/results/gc-pauses-RATE.md.
# About 2 minutes. Needs the ports of run-local.sh free and dotnet-trace (dotnet tool install -g
# dotnet-trace).
#
# Usage: bench/gc-pauses.sh [RATE] [SECONDS]   (default 1000 messages/s, 10 s traced)
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-1000}
seconds=${2:-10}
results=bench/results
mkdir -p "$results"
say() { printf 'gc-pauses: %s\n' "$*" >&2; }
loadgen() { dotnet tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll "$@"; }
source bench/lib.sh
load_settings
need_dotnet_trace

work=$(mktemp -d /tmp/chat-gc-pauses.XXXXXX)
chmod 755 "$work"
start_system "$work"
dotnet build bench/GcPauses -c Release -nologo -v quiet > /dev/null
edge1=$(listener 5001)
edge2=$(listener 5002)
chat=$(listener 7002)

load_in_background "$rate" "$seconds" g
# Keyword 0x1 (GC) at level 5: the collections' start and end, the suspension and restart of the
# runtime around each, what each kind of root promoted and the heap after; no stacks.
providers="Microsoft-Windows-DotNETRuntime:0x1:5"
trace_parts "$providers" "$seconds" edge1 edge2 chat
out="$results/gc-pauses-$rate.md"
{
  echo "# Garbage collection pauses at $rate messages/s, commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Command: \`bench/gc-pauses.sh $rate $seconds\`. $seconds s traced in the middle of the run."
  python3 -c "import json, sys; r = json.load(open(sys.argv[1]))['result']; d = r['deliveryLatencyMs']; print(f'Delivered {r[\"delivered\"]} of {r[\"sent\"]}, lost {r[\"lost\"]}; delivery p50 {d[\"p50\"]} ms, p99 {d[\"p99\"]} ms.')" "$work/loadgen.json"
  echo
  dotnet bench/GcPauses/bin/Release/net10.0/Chat.GcPauses.dll --each "Edge 1" "$work/edge1.nettrace" "Edge 2" "$work/edge2.nettrace" ChatService "$work/chat.nettrace"
} > "$out"
cat "$out"
say "wrote $out"

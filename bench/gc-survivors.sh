#!/usr/bin/env bash
# What the Edges' collections keep alive, with the full system under load (issue 22): the local
# system (scripts/run-local.sh, a fresh database) driven at RATE messages/s by tools/LoadGen, 200
# connections, `spread`; once the run's own connections are SETTLE seconds old (so that the
# collections right after their set-up, which keep the new connections, are not counted),
# `dotnet-trace` records for SECONDS both Edges' collections, the ranges of objects each kept and
# .NET 10's allocation samples (with stacks), and bench/GcSurvivors says which sampled objects
# survived their first collection, by type and by where they were allocated. Writes
# bench/results/gc-survivors-RATE.md.
# About 5 minutes. Needs the ports of run-local.sh free and dotnet-trace (dotnet tool install -g
# dotnet-trace). The samples come one per 100 KB allocated, so a survivor stands for about 100 KB
# kept: trace long enough for the collections to keep a few dozen.
#
# Usage: bench/gc-survivors.sh [RATE] [SECONDS] [SETTLE]   (default 1000 messages/s, 60 s traced, 30 s settled)
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-1000}
seconds=${2:-60}
settle=${3:-30}
results=bench/results
mkdir -p "$results"
say() { printf 'gc-survivors: %s\n' "$*" >&2; }
loadgen() { dotnet tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll "$@"; }
source bench/lib.sh
load_settings
need_dotnet_trace

work=$(mktemp -d /tmp/chat-gc-survivors.XXXXXX)
chmod 755 "$work"
start_system "$work"
dotnet build bench/GcSurvivors -c Release -nologo -v quiet > /dev/null
edge1=$(listener 5001)
edge2=$(listener 5002)

load_in_background "$rate" "$seconds" v "$settle"
# Keywords: 0x1 the collections, 0x400000 the ranges each kept (GCHeapSurvivalAndMovement),
# 0x80000000000 the allocation samples; level 5 for the samples' stacks.
providers="Microsoft-Windows-DotNETRuntime:0x80000400001:5"
trace_parts "$providers" "$seconds" edge1 edge2
survivors() { dotnet bench/GcSurvivors/bin/Release/net10.0/Chat.GcSurvivors.dll "$@"; }
out="$results/gc-survivors-$rate.md"
{
  echo "# What the Edges' collections keep at $rate messages/s, commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Command: \`bench/gc-survivors.sh $rate $seconds $settle\`. $seconds s traced, from $settle s after the run's connections opened."
  python3 -c "import json, sys; r = json.load(open(sys.argv[1]))['result']; d = r['deliveryLatencyMs']; print(f'Delivered {r[\"delivered\"]} of {r[\"sent\"]}, lost {r[\"lost\"]}; delivery p50 {d[\"p50\"]} ms, p99 {d[\"p99\"]} ms (allocation sampling with stacks slows the Edges).')" "$work/loadgen.json"
  for part in edge1 edge2; do
    echo
    echo "## Edge ${part#edge}"
    echo
    survivors "$work/$part.nettrace" | sed 's/^## /### /'
  done
} > "$out"
cat "$out"
say "wrote $out"

#!/usr/bin/env bash
# Where the allocations go, with the full system under load (issue 22): the local system
# (scripts/run-local.sh, a fresh database) driven at RATE messages/s by tools/LoadGen, 200
# connections, `spread`; in the middle of the run `dotnet-trace` samples the allocations of one
# Edge and of ChatService for SECONDS (.NET 10's allocation sampling: about one sample per 100 KiB,
# with its type and stack), and bench/AllocationProfile totals them by part of the message path,
# by type, and by the first frame of ours. Writes bench/results/allocations-RATE.md. About 2
# minutes. Needs the ports of run-local.sh free and dotnet-trace (dotnet tool install -g dotnet-trace).
#
# Usage: bench/alloc-profile.sh [RATE] [SECONDS]   (default 1000 messages/s, 10 s sampled)
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-1000}
seconds=${2:-10}
results=bench/results
mkdir -p "$results"
say() { printf 'alloc-profile: %s\n' "$*" >&2; }
loadgen() { dotnet tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll "$@"; }
source bench/lib.sh
load_settings
need_dotnet_trace

work=$(mktemp -d /tmp/chat-alloc.XXXXXX)
chmod 755 "$work"
start_system "$work"
dotnet build bench/AllocationProfile -c Release -nologo -v quiet > /dev/null
edge=$(listener 5001)
chat=$(listener 7002)

load_in_background "$rate" "$seconds" a
# 0x80000000000: AllocationSampling (new in .NET 10); level 5 for its stacks.
providers="Microsoft-Windows-DotNETRuntime:0x80000000000:5"
trace_parts "$providers" "$seconds" edge chat

# One Edge of two carries half the sends and half the deliveries: per message sent with its
# delivery, its share is its bytes over half the messages; ChatService stores every message.
profile() { dotnet bench/AllocationProfile/bin/Release/net10.0/Chat.AllocationProfile.dll "$@"; }
out="$results/allocations-$rate.md"
{
  echo "# Allocations at $rate messages/s, commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Command: \`bench/alloc-profile.sh $rate $seconds\`. $seconds s sampled in the middle of the run."
  python3 -c "import json, sys; r = json.load(open(sys.argv[1]))['result']; d = r['deliveryLatencyMs']; print(f'Delivered {r[\"delivered\"]} of {r[\"sent\"]}, lost {r[\"lost\"]}; delivery p50 {d[\"p50\"]} ms, p99 {d[\"p99\"]} ms.')" "$work/loadgen.json"
  echo
  echo "# One Edge (of two): per message sent with its delivery"
  echo
  profile "$work/edge.nettrace" $((rate * seconds / 2))
  echo
  echo "# ChatService: per message stored"
  echo
  profile "$work/chat.nettrace" $((rate * seconds))
} > "$out"
say "wrote $out"

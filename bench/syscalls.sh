#!/usr/bin/env bash
# System calls, thread wake-ups and CPU per message, process by process (issue 22): the local system
# (scripts/run-local.sh, a fresh database) driven at RATE messages/s by tools/LoadGen, 200
# connections, `spread`; in the middle of the run `perf stat` counts, for each Edge, ChatService,
# PostgreSQL, Redis and the generator, its CPU time, its system calls by kind (the kernel's syscall
# tracepoints) and its context switches. Counts move far less than CPU time with the machine's
# load, and this virtual machine has no hardware counters. Prints a table per message offered.
# About 4 minutes. Needs the ports of run-local.sh free, and root (perf attaches to every process).
#
# Usage: bench/syscalls.sh [RATE] [SECONDS]   (default 2000 messages/s, 8 s counted)
#   LOADGEN_ENV="VAR=value …" starts the generator with these in its environment (to compare settings)
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-2000}
seconds=${2:-8}
say() { printf 'syscalls: %s\n' "$*" >&2; }
loadgen() { env ${LOADGEN_ENV:-} dotnet tools/LoadGen/bin/Release/net10.0/Chat.LoadGen.dll "$@"; }
source bench/lib.sh
load_settings
need_perf

work=$(mktemp -d /tmp/chat-syscalls.XXXXXX)
chmod 755 "$work"
start_system "$work"
load_in_background "$rate" "$seconds" s

events=task-clock,context-switches,raw_syscalls:sys_enter
for call in sendto recvfrom write read epoll_wait futex; do events+=",syscalls:sys_enter_$call"; done
edges=($(pgrep -f 'Chat.Edge.dll'))
declare -A parts=(
  [edge-1]=${edges[0]} [edge-2]=${edges[1]}
  [chatservice]=$(pgrep -f 'Chat.ChatService.dll')
  [postgresql]=$(pgrep -d, -f 'postgres' || true)
  [redis]=$(pgrep -d, redis-server)
  [generator]=$(pgrep -f 'Chat.LoadGen.dll' | head -1)
)
counters=()
for part in "${!parts[@]}"; do
  perf stat -x, -e "$events" -p "${parts[$part]}" -o "$work/$part.csv" -- sleep "$seconds" 2> /dev/null &
  counters+=($!)
done
wait "${counters[@]}"
wait "$run"

python3 - "$work" "$rate" "$seconds" <<'PY'
import json, sys
work, rate, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
messages = rate * seconds
parts = ['edge-1', 'edge-2', 'chatservice', 'postgresql', 'redis', 'generator']
counts = {}
for part in parts:
    for line in open(f'{work}/{part}.csv'):
        fields = line.strip().split(',')
        if len(fields) > 2 and fields[0].replace('.', '').isdigit():
            event = fields[2].split(':')[-1].replace('sys_enter_', '').replace('sys_enter', 'all system calls')
            counts.setdefault(event, {})[part] = float(fields[0])
r = json.load(open(f'{work}/loadgen.json'))['result']
print(f"At {rate}/s, {seconds} s counted; delivered {r['delivered']} of {r['sent']}, lost {r['lost']}; "
      f"delivery p50 {r['deliveryLatencyMs']['p50']} ms, p99 {r['deliveryLatencyMs']['p99']} ms.\n")
print('| per message offered | ' + ' | '.join(parts) + ' |')
print('|---|' + '---:|' * len(parts))
for event, by_part in counts.items():
    name = 'CPU (ms)' if event == 'task-clock' else event
    print(f'| {name} | ' + ' | '.join(f"{by_part.get(p, 0) / messages:.2f}" for p in parts) + ' |')
PY

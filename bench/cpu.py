"""CPU time each part of the system used over a window, from /proc (user + system time of every
process, threads included), grouped by what the process is. Prints one JSON object.

    cpu.py SECONDS [MARKER...]

With markers, only the processes whose command line holds one of them, and their descendants (so
other work on the machine, e.g. a test run's own servers, is not counted).
"""
import json
import os
import sys
import time

PARTS = (('Chat.Edge', 'Edge (both replicas)'), ('Chat.ChatService', 'ChatService'), ('Chat.UserService', 'UserService'),
         ('Chat.LoadGen', 'load generator'), ('postgres', 'PostgreSQL'), ('redis-server', 'Redis'), ('nginx', 'nginx'))


def snapshot():
    times = {}
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            stat = open(f'/proc/{pid}/stat').read()
            command = open(f'/proc/{pid}/cmdline').read().replace('\0', ' ')
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rfind(')') + 2:].split()
        times[pid] = (int(fields[11]) + int(fields[12]), command, fields[1])
    return times


def chosen(times, markers):
    """The pids whose command holds a marker, and every descendant of one."""
    picked = {pid for pid, (_, command, _) in times.items() if any(m in command for m in markers)}
    grew = True
    while grew:
        grew = False
        for pid, (_, _, parent) in times.items():
            if pid not in picked and parent in picked:
                picked.add(pid)
                grew = True
    return picked


def part(command):
    return next((name for key, name in PARTS if key in command), 'other')


def main():
    seconds = float(sys.argv[1])
    markers = sys.argv[2:]
    before, started = snapshot(), time.monotonic()
    time.sleep(seconds)
    after, elapsed = snapshot(), time.monotonic() - started
    ticks = os.sysconf('SC_CLK_TCK')
    used = {}
    counted = chosen(after, markers) if markers else after.keys()
    for pid, (total, command, _) in after.items():
        if pid not in counted:
            continue
        spent = (total - before.get(pid, (0,))[0]) / ticks
        if spent > 0:
            used[part(command)] = used.get(part(command), 0) + spent
    print(json.dumps({'seconds': elapsed, 'cpuSeconds': dict(sorted(used.items(), key=lambda kv: -kv[1]))}))


if __name__ == '__main__':
    main()

"""CPU time each part of the system used over a window, from /proc (user + system time of every
process, threads included), grouped by what the process is, and how often its threads were
switched off a core: voluntarily (a thread waited: every wake-up of a sleeping thread is one) and
involuntarily (preempted for another). Prints one JSON object.

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
        times[pid] = (int(fields[11]) + int(fields[12]), command, fields[1], switches(pid))
    return times


def switches(pid):
    """Voluntary and involuntary context switches of every thread the process has now (a thread
    that ended in the window takes its count with it)."""
    voluntary = involuntary = 0
    try:
        threads = os.listdir(f'/proc/{pid}/task')
    except OSError:
        return (0, 0)
    for tid in threads:
        try:
            for line in open(f'/proc/{pid}/task/{tid}/status'):
                if line.startswith('voluntary_ctxt_switches'):
                    voluntary += int(line.split()[1])
                elif line.startswith('nonvoluntary_ctxt_switches'):
                    involuntary += int(line.split()[1])
        except OSError:
            continue
    return (voluntary, involuntary)


def chosen(times, markers):
    """The pids whose command holds a marker, and every descendant of one."""
    picked = {pid for pid, (_, command, _, _) in times.items() if any(m in command for m in markers)}
    grew = True
    while grew:
        grew = False
        for pid, (_, _, parent, _) in times.items():
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
    used, switched = {}, {}
    counted = chosen(after, markers) if markers else after.keys()
    for pid, (total, command, _, (voluntary, involuntary)) in after.items():
        if pid not in counted:
            continue
        was = before.get(pid, (0, '', '', (0, 0)))
        spent = (total - was[0]) / ticks
        if spent > 0:
            used[part(command)] = used.get(part(command), 0) + spent
            # A thread that ended in the window takes its count with it: never less than nothing.
            v, i = switched.get(part(command), (0, 0))
            switched[part(command)] = (v + max(0, voluntary - was[3][0]), i + max(0, involuntary - was[3][1]))
    print(json.dumps({'seconds': elapsed, 'cpuSeconds': dict(sorted(used.items(), key=lambda kv: -kv[1])),
                      'contextSwitches': {name: {'voluntary': v, 'involuntary': i} for name, (v, i) in switched.items()}}))


if __name__ == '__main__':
    main()

"""Where one message's time goes between the processes: lines up, for every message of a low-rate
run (bench/hops.sh), the loopback packets that carried it, and prints the median time of each step.

    hops.py PACKETS SOCKETS LISTENING RATE
        PACKETS    `tcpdump -n -tt -q` text: one packet with data per line
        SOCKETS    `ss -tnpH` taken during the run: which process owns each connected port
        LISTENING  `ss -tlnpH`: which process listens on which port (that names the process)
        RATE       messages per second of the run, for the heading

A message starts with the generator's frame to an Edge and ends with the first frame an Edge
writes to another of the generator's connections (the recipient's). Every packet in between is a
step, named by the processes at its two ends; the Edges are named by their role in the message
(the sender's, the recipient's). Messages whose packets ran in the usual order are counted; the
others (a delivery mark or a session check that fell in between) are left out and counted apart.
"""
import collections
import re
import statistics
import sys

SERVERS = {5001: 'Edge', 5002: 'Edge', 7001: 'UserService', 7002: 'ChatService',
           55432: 'PostgreSQL', 56379: 'Redis'}
EDGE_PORTS = (5001, 5002)
LONGEST = 0.1  # seconds: a message not delivered by then is not lined up


def port_of(address):
    return int(address.rsplit(':', 1)[-1].rsplit('.', 1)[-1])


def owners(path):
    """Local port -> (pid, command), from `ss -tnpH` or `ss -tlnpH`."""
    found = {}
    for line in open(path):
        fields = line.split()
        owner = re.search(r'\("([^"]+)",pid=(\d+)', line)
        if len(fields) >= 4 and owner:
            found[port_of(fields[3])] = (int(owner.group(2)), owner.group(1))
    return found


def names(sockets, listening):
    """Port -> (name, server port): a server by the port it listens on, any other listening
    process by its command (nginx), and what listens nowhere is the load generator."""
    process = {}
    for port, (pid, command) in listening.items():
        if port in SERVERS:
            process[pid] = (SERVERS[port], port)
        else:
            process.setdefault(pid, (command, None))
    named = {}
    for port, (pid, _) in sockets.items():
        named[port] = process.get(pid, ('generator', None))
    for port in SERVERS:
        named[port] = (SERVERS[port], port)
    return named


def packets(path):
    for line in open(path):
        fields = line.split()
        if len(fields) < 7 or fields[1] != 'IP':
            continue
        length = int(fields[-1])
        if length > 0:
            yield float(fields[0]), port_of(fields[2]), port_of(fields[4].rstrip(':')), length


def line_up(trace, named):
    """Each message's steps: [(name, bytes, seconds since the send)]."""
    def who(port):
        return named.get(port, ('generator', None))

    messages = []
    for i, (start, source, target, _) in enumerate(trace):
        if who(source)[0] != 'generator' or target not in EDGE_PORTS:
            continue
        sender_edge = target
        steps = []
        for at, src, dst, length in trace[i:]:
            if at - start > LONGEST:
                steps = None
                break
            ends = []
            for port in (src, dst):
                name, server = who(port)
                if name == 'Edge':
                    name = "sender's Edge" if server == sender_edge else "recipient's Edge"
                ends.append(name)
            steps.append((f'{ends[0]} → {ends[1]}', length, at - start))
            if ends[1] == 'generator' and ends[0] == "recipient's Edge":
                break
        if steps:
            messages.append(steps)
    return messages


def main(packet_file, socket_file, listening_file, rate):
    named = names(owners(socket_file), owners(listening_file))
    messages = line_up(list(packets(packet_file)), named)
    if not messages:
        sys.exit('hops.py: no message found in the capture')
    usual, count = collections.Counter(tuple(name for name, _, _ in m) for m in messages).most_common(1)[0]
    alike = [m for m in messages if tuple(name for name, _, _ in m) == usual]
    print(f'# Where a message\'s time goes, {rate} messages/s\n')
    print(f'{len(messages)} messages captured, {count} with the usual order of packets (the others '
          'had a delivery mark or a session check in between). Medians over those; "after" is the '
          'time since the packet before it, spent in the process that sent this one.\n')
    print('| # | packet | bytes | at (ms) p50 / p90 | after (ms) p50 |')
    print('|---:|---|---:|---|---:|')
    for k, name in enumerate(usual):
        at = sorted(m[k][2] * 1000 for m in alike)
        after = sorted((m[k][2] - m[k - 1][2]) * 1000 for m in alike) if k else [0.0]
        size = statistics.median(m[k][1] for m in alike)
        print(f'| {k + 1} | {name} | {size:.0f} | {statistics.median(at):.3f} / {at[len(at) * 9 // 10]:.3f} '
              f'| {statistics.median(after):.3f} |')


if __name__ == '__main__':
    main(*sys.argv[1:5])

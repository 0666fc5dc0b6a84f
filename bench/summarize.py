"""Turns bench/results/*.json into the table between the markers of docs/benchmarks.md."""
import datetime
import json
import os
import platform
import sys

results, rates, doc = sys.argv[1], sys.argv[2].split(), sys.argv[3]
load = lambda name: json.load(open(os.path.join(results, name)))
cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.machine())
memory = next(int(l.split()[1]) // 1024 // 1024 for l in open('/proc/meminfo') if l.startswith('MemTotal'))

rows = ['| target | offered/s | delivered/s | delivery p50 / p99 / p99.9 / max (ms) | `sent` p50 / p99 (ms) | errors | lost | dup |',
        '|---|---:|---:|---|---|---|---:|---:|']
delivered = {}
p99 = {}
for rate in rates:
    for key, label in (('full', 'full system (2 Edges, Redis, store, auth)'), ('relay', 'Edge, relay-only mode'), ('node', 'Node.js ws relay')):
        r = load(f'{key}-{rate}.json')['result']
        d, a = r['deliveryLatencyMs'], r['ackLatencyMs']
        delivered[(key, rate)] = r['deliveredPerSecond']
        p99[(key, rate)] = d['p99']
        errors = ', '.join(f'{n} {c}' for c, n in r['errors'].items()) or 'none'
        rows.append(f"| {label} | {rate} | {r['deliveredPerSecond']:.0f} | {d['p50']:.1f} / {d['p99']:.1f} / {d['p999']:.1f} / {d['max']:.1f} "
                    f"| {a['p50']:.1f} / {a['p99']:.1f} | {errors} | {r['lost']} | {r['duplicates']} |")
ratios = [f"- at {rate}/s offered: delivered/s full / relay-only = {delivered[('full', rate)] / delivered[('relay', rate)]:.2f}, "
          f"relay-only / Node.js = {delivered[('relay', rate)] / delivered[('node', rate)]:.2f}; delivery p99 full / relay-only = "
          f"{p99[('full', rate)] / p99[('relay', rate)]:.1f}x, relay-only / Node.js = {p99[('relay', rate)] / p99[('node', rate)]:.2f}x" for rate in rates]
idle = [f"- {label}: {load(name)['connections']} idle connections, "
        f"{(load(name)['bytesPerConnection'] or 0) / 1024:.1f} KiB resident memory each"
        for name, label in (('full-idle.json', 'full system (both Edges)'), ('relay-idle.json', 'relay-only Edge'), ('node-idle.json', 'Node.js relay'))]
section = '\n'.join([
    '<!-- bench:start (written by bench/run.sh) -->',
    f'Run of {datetime.date.today()} on {os.cpu_count()} vCPUs ({cpu}), {memory} GiB; load generator on the same machine. '
    'Reproduce with `bench/run.sh`.', '', *rows, '', *ratios, '', *idle,
    '<!-- bench:end -->'])
text = open(doc).read()
start, end = text.find('<!-- bench:start'), text.find('<!-- bench:end -->')
text = text[:start] + section + text[end + len('<!-- bench:end -->'):] if start >= 0 else text + '\n## Side by side (bench/run.sh)\n\n' + section + '\n'
open(doc, 'w').write(text)

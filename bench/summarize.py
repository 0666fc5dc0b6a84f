"""Turns bench/results/*.json into the table between the markers of docs/benchmarks.md.

    summarize.py RESULTS FULL_RATES RELAY_RATES DOC    writes the section
    summarize.py --max RESULTS NAME RATES              prints NAME's sustained maximum (at least the lowest rate)
    summarize.py --half-of-max RESULTS NAME RATES      prints half of it
"""
import datetime
import json
import os
import platform
import sys

# A rate is sustained when everything offered is delivered (99% within the run and its drain;
# the rest would be a backlog), nothing is lost, duplicated or refused, and the delivery p99 stays
# at or under this: beyond it, people notice, and the latency only grows with the backlog.
SUSTAINED_P99_MS = 100

TARGETS = (('full', 'full system (2 Edges, Redis, store, auth)'),
           ('relay', 'Edge, relay-only mode'),
           ('node', 'Node.js ws relay'))


def load(results, name):
    path = os.path.join(results, name)
    return json.load(open(path)) if os.path.exists(path) else None


def sustained(result, rate):
    r = result['result']
    return (r['deliveredPerSecond'] >= 0.99 * rate and r['lost'] == 0 and r['duplicates'] == 0
            and not r['errors'] and r['deliveryLatencyMs']['p99'] <= SUSTAINED_P99_MS)


def maximum(results, key, rates):
    """The highest rate sustained, with every lower rate of the sweep sustained too."""
    best = 0
    for rate in sorted(int(r) for r in rates):
        result = load(results, f'{key}-{rate}.json')
        if result is None or not sustained(result, rate):
            break
        best = rate
    return best


def row(label, rate, result):
    r = result['result']
    d, a = r['deliveryLatencyMs'], r['ackLatencyMs']
    errors = ', '.join(f'{n} {c}' for c, n in r['errors'].items()) or 'none'
    mark = ' ✓' if sustained(result, rate) else ''
    return (f"| {label} | {rate:,}{mark} | {r['deliveredPerSecond']:,.0f} | {d['p50']:.1f} / {d['p99']:.1f} / {d['p999']:.1f} / {d['max']:.1f} "
            f"| {a['p50']:.1f} / {a['p99']:.1f} | {errors} | {r['lost']} | {r['duplicates']} |")


def section(results, full_rates, relay_rates):
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.machine())
    memory = next(int(l.split()[1]) // 1024 // 1024 for l in open('/proc/meminfo') if l.startswith('MemTotal'))
    rows = ['| target | offered/s | delivered/s | delivery p50 / p99 / p99.9 / max (ms) | `sent` p50 / p99 (ms) | errors | lost | dup |',
            '|---|---:|---:|---|---|---|---:|---:|']
    maxima = {}
    for key, label in TARGETS:
        rates = full_rates if key == 'full' else relay_rates
        maxima[key] = maximum(results, key, rates)
        for rate in rates:
            result = load(results, f'{key}-{rate}.json')
            if result is not None:
                rows.append(row(label, int(rate), result))
    half = load(results, 'full-half.json')
    if half is not None:
        rows.append(row('full system, at half of its maximum', int(half['targetRate']), half))
    summary = [f"- sustained maximum (✓: all delivered, none lost, duplicated or refused, delivery p99 ≤ {SUSTAINED_P99_MS} ms): "
               + ', '.join(f"{label} **{maxima[key]:,}/s**" for key, label in TARGETS)]
    if maxima['relay'] and maxima['node']:
        summary.append(f"- relay-only Edge / Node.js = **{maxima['relay'] / maxima['node']:.2f}×**; "
                       f"full system / relay-only Edge = {maxima['full'] / maxima['relay']:.2f}×")
    if half is not None:
        h = half['result']['deliveryLatencyMs']
        summary.append(f"- full system at {int(half['targetRate']):,}/s (half of its maximum): delivery p50 {h['p50']:.1f} ms, p99 **{h['p99']:.1f} ms**")
    used = load(results, 'full-cpu.json')
    if used is not None:
        messages = used['rate'] * used['seconds']
        parts = ', '.join(f"{name} {1e6 * spent / messages:.0f} µs" for name, spent in used['cpuSeconds'].items() if 1e6 * spent / messages >= 1)
        summary.append(f"- CPU per message in the full system at {used['rate']:,}/s ({sum(used['cpuSeconds'].values()) / used['seconds']:.2f} "
                       f"of {os.cpu_count()} cores busy): {parts}")
    idle = []
    for name, label in (('full-idle.json', 'full system (both Edges, authenticated)'), ('relay-idle.json', 'relay-only Edge'), ('node-idle.json', 'Node.js relay')):
        result = load(results, name)
        if result is not None:
            idle.append(f"- {label}: {result['connections']:,} idle connections, "
                        f"{(result['bytesPerConnection'] or 0) / 1024:.1f} KiB resident memory each")
    first = load(results, f'full-{full_rates[0]}.json')
    return '\n'.join([
        '<!-- bench:start (written by bench/run.sh) -->',
        f'Run of {datetime.date.today()} on {os.cpu_count()} vCPUs ({cpu}), {memory} GiB; load generator on the same machine; '
        f'{first["connections"]} connections, {first["seconds"]:.0f} s per rate. Reproduce with `bench/run.sh`.',
        '', *rows, '', *summary, '', *idle,
        '<!-- bench:end -->'])


def main(argv):
    if argv[1] in ('--max', '--half-of-max'):
        results, key, rates = argv[2], argv[3], argv[4].split()
        best = max(maximum(results, key, rates), int(rates[0]))
        print(best // 2 if argv[1] == '--half-of-max' else best)
        return
    results, full_rates, relay_rates, doc = argv[1], argv[2].split(), argv[3].split(), argv[4]
    text = open(doc).read()
    start, end = text.find('<!-- bench:start'), text.find('<!-- bench:end -->')
    new = section(results, full_rates, relay_rates)
    text = text[:start] + new + text[end + len('<!-- bench:end -->'):] if start >= 0 else text + '\n' + new + '\n'
    open(doc, 'w').write(text)


if __name__ == '__main__':
    main(sys.argv)

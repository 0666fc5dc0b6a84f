"""The side-by-side of bench/compare.sh: two builds' sweeps and the Edges' allocations per message.

    compare.py RESULTS FULL_RATES RELAY_RATES ALLOC_RATE          prints the section (Markdown)
    compare.py RESULTS FULL_RATES RELAY_RATES ALLOC_RATE DOC      also writes it between DOC's compare markers
"""
import csv
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from summarize import load, maximum, sustained  # noqa: E402

START, END = '<!-- compare:start -->', '<!-- compare:end -->'
SIDES = ('before', 'after')


def cell(result, rate):
    if result is None:
        return ''
    r = result['result']
    d = r['deliveryLatencyMs']
    return f"{r['deliveredPerSecond']:,.0f}{' ✓' if sustained(result, rate) else ''}, {d['p50']:.1f} / {d['p99']:.1f}"


def allocated_per_second(results, side):
    """Bytes both Edges allocated per second while the fixed-rate run sent (mean of dotnet-counters' 1 s increments, summed over the Edges)."""
    total = 0.0
    files = glob.glob(os.path.join(results, f'alloc-{side}-*.csv'))
    for path in files:
        increments = [float(row['Mean/Increment']) for row in csv.DictReader(open(path))
                      if row['Counter Name'].startswith('dotnet.gc.heap.total_allocated')]
        if increments:
            total += sum(increments) / len(increments)
    return total if files else None


def section(results, full_rates, relay_rates, alloc_rate):
    refs = open(os.path.join(results, 'refs.txt')).read().split('\n')
    lines = [f'before: `{refs[0]}`; after: `{refs[1]}`.', '',
             '| target | offered/s | before: delivered/s, delivery p50 / p99 (ms) | after: delivered/s, delivery p50 / p99 (ms) |',
             '|---|---:|---|---|']
    for key, label, rates in (('full', 'full system', full_rates), ('relay', 'relay-only Edge', relay_rates)):
        for rate in rates:
            lines.append(f'| {label} | {rate:,} | ' + ' | '.join(cell(load(results, f'{key}-{side}-{rate}.json'), rate) for side in SIDES) + ' |')
    lines.append('')
    for key, label, rates in (('full', 'full system', full_rates), ('relay', 'relay-only Edge', relay_rates)):
        lines.append(f'- {label}, sustained maximum (delivery p99 ≤ 100 ms, nothing lost): '
                     + ', '.join(f"{side} **{maximum(results, f'{key}-{side}', rates):,}/s**" for side in SIDES))
    per_message = {}
    for side in SIDES:
        run = load(results, f'alloc-{side}.json')
        rate = allocated_per_second(results, side)
        if run and rate is not None:
            per_message[side] = rate / run['result']['deliveredPerSecond']
    if len(per_message) == 2:
        b, a = per_message['before'], per_message['after']
        lines.append(f'- the Edges\' allocations per delivered message at {alloc_rate:,}/s (both replicas, `dotnet-counters`, '
                     f'`dotnet.gc.heap.total_allocated`): before **{b / 1024:,.1f} KiB**, after **{a / 1024:,.1f} KiB** ({100 * (a - b) / b:+.0f}%)')
    return '\n'.join(lines) + '\n'


def main(argv):
    results, full_rates, relay_rates, alloc_rate = argv[1], argv[2], argv[3], int(argv[4])
    text = section(results, [int(r) for r in full_rates.split()], [int(r) for r in relay_rates.split()], alloc_rate)
    print(text)
    if len(argv) > 5:
        doc = argv[5]
        body = open(doc).read()
        if START not in body:
            raise SystemExit(f'{doc} has no {START} marker')
        head, rest = body.split(START, 1)
        tail = rest.split(END, 1)[1]
        open(doc, 'w').write(head + START + '\n' + text + END + tail)


if __name__ == '__main__':
    main(sys.argv)

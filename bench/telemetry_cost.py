"""Telemetry's cost, from (4) of bench/run.sh: the same sweep of the full system with telemetry
off and on, side by side, and the CPU each part used at the lowest rate of the sweep.

    telemetry_cost.py RESULTS RATES          prints the section (Markdown)
    telemetry_cost.py RESULTS RATES DOC      writes it between DOC's telemetry markers
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from summarize import load, maximum, sustained  # noqa: E402

START, END = '<!-- telemetry-cost:start -->', '<!-- telemetry-cost:end -->'


def section(results, rates):
    rates = [int(r) for r in rates.split()]
    lines = ['| offered/s | off: delivered/s | on: delivered/s | off: delivery p50 / p99 (ms) | on: delivery p50 / p99 (ms) | off: `sent` p99 | on: `sent` p99 |',
             '|---:|---:|---:|---|---|---:|---:|']
    for rate in rates:
        off, on = load(results, f'telemetry-off-{rate}.json'), load(results, f'telemetry-on-{rate}.json')
        if off is None or on is None:
            continue
        cells = [f'{rate:,}']
        for r, target in ((off, rate), (on, rate)):
            cells.append(f"{r['result']['deliveredPerSecond']:,.0f}{' ✓' if sustained(r, target) else ''}")
        for r in (off, on):
            d = r['result']['deliveryLatencyMs']
            cells.append(f"{d['p50']:.1f} / {d['p99']:.1f}")
        for r in (off, on):
            cells.append(f"{r['result']['ackLatencyMs']['p99']:.1f}")
        lines.append('| ' + ' | '.join(cells) + ' |')
    top_off, top_on = maximum(results, 'telemetry-off', rates), maximum(results, 'telemetry-on', rates)
    highest = max(rates)
    sat_off, sat_on = load(results, f'telemetry-off-{highest}.json'), load(results, f'telemetry-on-{highest}.json')
    lines.append('')
    lines.append(f'- sustained maximum (✓, as above): off {top_off:,}/s, on {top_on:,}/s')
    if sat_off and sat_on:
        a, b = sat_off['result']['deliveredPerSecond'], sat_on['result']['deliveredPerSecond']
        lines.append(f'- delivered at {highest:,}/s offered (past both maxima, what the system can do): off {a:,.0f}/s, on {b:,.0f}/s, '
                     f'difference {100 * (a - b) / a:+.1f}% of throughput')
    cpu_off, cpu_on = load(results, 'telemetry-off-cpu.json'), load(results, 'telemetry-on-cpu.json')
    if cpu_off and cpu_on:
        def cores(cpu):
            return {part: used / cpu['seconds'] for part, used in cpu['cpuSeconds'].items()}
        off_cores, on_cores = cores(cpu_off), cores(cpu_on)
        parts = [p for p in on_cores if max(on_cores[p], off_cores.get(p, 0)) >= 0.01]
        lines.append(f"- CPU at {cpu_off.get('rate', rates[0]):,}/s offered, in cores (off → on): "
                     + ', '.join(f"{p} {off_cores.get(p, 0):.2f} → {on_cores[p]:.2f}" for p in parts)
                     + f"; all {sum(off_cores.values()):.2f} → {sum(on_cores.values()):.2f}")
    return '\n'.join(lines) + '\n'


def main(argv):
    text = section(argv[1], argv[2])
    if len(argv) > 3:
        doc = open(argv[3]).read()
        before, _, rest = doc.partition(START)
        _, _, after = rest.partition(END)
        open(argv[3], 'w').write(before + START + '\n' + text + END + after)
    else:
        print(text, end='')


if __name__ == '__main__':
    main(sys.argv)

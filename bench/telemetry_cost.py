"""Telemetry's cost, from (4) of bench/run.sh: the same sweep of the full system with telemetry
off, metrics only, and metrics with every message traced, side by side, and the CPU each part
used at the lowest rate of the sweep.

    telemetry_cost.py RESULTS RATES          prints the section (Markdown)
    telemetry_cost.py RESULTS RATES DOC      writes it between DOC's telemetry markers
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from summarize import load, maximum, sustained  # noqa: E402

START, END = '<!-- telemetry-cost:start -->', '<!-- telemetry-cost:end -->'


MODES = (('off', 'off'), ('metrics', 'metrics only'), ('on', 'metrics + traces'))


def section(results, rates):
    rates = [int(r) for r in rates.split()]
    modes = [(key, label) for key, label in MODES if load(results, f'telemetry-{key}-{rates[0]}.json')]
    lines = ['| offered/s | ' + ' | '.join(f'{label}: delivered/s, delivery p50 / p99 (ms)' for _, label in modes) + ' |',
             '|---:|' + '---|' * len(modes)]
    for rate in rates:
        cells = [f'{rate:,}']
        for key, _ in modes:
            r = load(results, f'telemetry-{key}-{rate}.json')
            if r is None:
                cells.append('')
                continue
            d = r['result']['deliveryLatencyMs']
            cells.append(f"{r['result']['deliveredPerSecond']:,.0f}{' ✓' if sustained(r, rate) else ''}, {d['p50']:.1f} / {d['p99']:.1f}")
        lines.append('| ' + ' | '.join(cells) + ' |')
    lines.append('')
    lines.append('- sustained maximum (✓: all delivered, delivery p99 ≤ 100 ms): '
                 + ', '.join(f"{label} {maximum(results, f'telemetry-{key}', rates):,}/s" for key, label in modes))
    highest = max(rates)
    base = load(results, f'telemetry-off-{highest}.json')
    if base:
        b = base['result']['deliveredPerSecond']
        parts = []
        for key, label in modes[1:]:
            r = load(results, f'telemetry-{key}-{highest}.json')
            if r:
                v = r['result']['deliveredPerSecond']
                parts.append(f'{label} {v:,.0f}/s ({100 * (v - b) / b:+.1f}%)')
        lines.append(f'- delivered at {highest:,}/s offered (past every maximum: what the system can do): off {b:,.0f}/s, ' + ', '.join(parts))
    cpus = {key: load(results, f'telemetry-{key}-cpu.json') for key, _ in modes}
    if all(cpus.values()):
        cores = {key: {part: used / cpu['seconds'] for part, used in cpu['cpuSeconds'].items()} for key, cpu in cpus.items()}
        names = [p for p in cores['off'] if p != 'other']
        lines.append(f"- CPU at {rates[0]:,}/s offered, in cores ({' → '.join(label for _, label in modes)}): "
                     + '; '.join(f"{p} " + ' → '.join(f"{cores[key].get(p, 0):.2f}" for key, _ in modes) for p in names)
                     + '; all ' + ' → '.join(f"{sum(cores[key].values()):.2f}" for key, _ in modes))
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

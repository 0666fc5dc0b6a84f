"""The tables of bench/cpu-compare.sh: per rate and build, delivery and the CPU of each part per
offered message (microseconds); then how often each part's threads waited and were woken, and were
preempted, per offered message (context switches, voluntary / involuntary).

    cpu_compare.py RESULTS "RATES"
"""
import json
import os
import sys

results, rates = sys.argv[1], [int(r) for r in sys.argv[2].split()]
parts = ['PostgreSQL', 'Edge (both replicas)', 'ChatService', 'Redis', 'UserService', 'load generator', 'other']
refs = open(os.path.join(results, 'refs.txt')).read().split('\n')
print(f'before: {refs[0]}  \nafter: {refs[1]}\n')
print('| offered/s | build | delivered (lost) | delivery p50 / p99 (ms) | ' + ' | '.join(parts) + ' | all but the generator |')
print('|---:|---|---|---|' + '---:|' * (len(parts) + 1))
for rate in rates:
    for side in ('before', 'after'):
        run = json.load(open(os.path.join(results, f'{side}-{rate}.json')))['result']
        cpu = json.load(open(os.path.join(results, f'{side}-{rate}-cpu.json')))
        per = {p: cpu['cpuSeconds'].get(p, 0) / cpu['seconds'] / rate * 1e6 for p in parts}
        latency = run['deliveryLatencyMs']
        system = sum(v for p, v in per.items() if p != 'load generator')
        print(f"| {rate:,} | {side} | {run['delivered']:,} of {run['sent']:,} ({run['lost']}) | {latency['p50']:.1f} / {latency['p99']:.1f} | "
              + ' | '.join(f'{per[p]:.0f}' for p in parts) + f' | {system:.0f} |')

# Results written before cpu.py counted switches have none: no second table for them.
counted = all('contextSwitches' in json.load(open(os.path.join(results, f'{side}-{rate}-cpu.json')))
              for rate in rates for side in ('before', 'after'))
if not counted:
    sys.exit(0)
print('\nContext switches per offered message, voluntary (a thread waited, then was woken) / involuntary (preempted):\n')
print('| offered/s | build | ' + ' | '.join(parts) + ' | all but the generator |')
print('|---:|---|' + '---:|' * (len(parts) + 1))
for rate in rates:
    for side in ('before', 'after'):
        cpu = json.load(open(os.path.join(results, f'{side}-{rate}-cpu.json')))
        switches = cpu.get('contextSwitches', {})
        offered = cpu['seconds'] * rate
        per = {p: (switches.get(p, {}).get('voluntary', 0) / offered, switches.get(p, {}).get('involuntary', 0) / offered) for p in parts}
        system = [sum(v[k] for p, v in per.items() if p != 'load generator') for k in (0, 1)]
        print(f'| {rate:,} | {side} | ' + ' | '.join(f'{v:.1f} / {i:.1f}' for v, i in per.values()) + f' | {system[0]:.1f} / {system[1]:.1f} |')

"""The table of bench/cpu-compare.sh: per rate and build, delivery and the CPU of each part per
offered message (microseconds).

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

"""Where each part of the system spends its CPU, from a system-wide `perf record -g` of a run.

    perf script -F comm,pid,tid,ip,sym,dso -i perf.data | perf_report.py PROCESSES [TOP]

PROCESSES is a `ps -eo pid=,args=` listing taken during the run: it names each pid's part the
way bench/cpu.py does. .NET frames resolve only if the services ran with DOTNET_PerfMapEnabled=1
(and DOTNET_EnableWriteXorExecute=0, or perf sees their code as an anonymous file and cannot use
the map). Prints markdown: per part, its share of the busy samples, what kind of code ran (kernel,
JIT-compiled .NET, the runtime's native code, libraries), the frames that were running (self) and
the frames that were on the stack (inclusive), with the frames every thread has left out.
"""
import collections
import re
import sys

from cpu import part

# On every .NET or PostgreSQL stack, or the system-call entry: they say nothing about what ran.
PLUMBING = re.compile(r'(^|\.)(start_thread|__libc_start_call_main|main|PostmasterMain|PostgresMain|'
                      r'\[unknown\]|entry_SYSCALL_64_after_hwframe|do_syscall_64|clone3?|'
                      r'ThreadPoolWorkQueue::Dispatch|ExecutionContext::Run\w*|'
                      r'AsyncMethodBuilderCore::Start|AsyncTaskMethodBuilder\S*|'
                      r'Task::RunContinuations|AwaitTaskContinuation::RunOrScheduleAction|'
                      r'Task::ExecuteWithThreadLocal|ThreadPool\S*<\.cctor>\S*|'
                      r'PortableThreadPool\S*|Thread::StartCallback|ThreadNative::KickOffThread\S*)$')


def frame_name(symbol):
    """`instance void [Chat.Edge] Chat.Edge.X+<PumpAsync>d__36::MoveNext()[OptimizedTier1]` -> `Chat.Edge.X.PumpAsync (async)`."""
    symbol = re.sub(r'\[(OptimizedTier1|Optimized|QuickJitted|Tier1|Tier0|PreJIT|OptimizedTier1OSR)\]$', '', symbol).strip()
    symbol = re.sub(r'\+0x[0-9a-f]+$', '', symbol)
    managed = re.search(r'\]\s*([\w.`+<>\[\],]+::[\w.<>`|]+)\(', symbol)
    if managed:
        name = managed.group(1)
        state_machine = re.match(r'(.*)\+<(\w+)>d__\d+(?:`\d+)?(?:\[.*\])?::MoveNext$', name)
        return f'{state_machine.group(1)}.{state_machine.group(2)} (async)' if state_machine else name
    return symbol[:120]


def code_kind(dso):
    if dso.startswith('[kernel') or dso == '[vdso]':
        return 'kernel'
    if dso.startswith('/tmp/perf-') or dso in ('[unknown]', '[JIT] tid'):
        return '.NET (JIT-compiled)'
    name = dso.rsplit('/', 1)[-1]
    if name in ('libcoreclr.so', 'libclrjit.so', 'libSystem.Native.so'):
        return '.NET runtime (native)'
    if name == 'postgres':
        return 'postgres'
    return 'libraries'


def samples(lines):
    """(pid, [(frame, dso), ...] leaf first) per sample of `perf script -F comm,pid,tid,ip,sym,dso`."""
    pid, frames = None, []
    for line in lines:
        if not line.strip():
            if pid is not None:
                yield pid, frames
            pid, frames = None, []
        elif not line[0].isspace():
            header = re.match(r'\s*\S.*?\s+(\d+)/\d+\s*$', line)
            pid = int(header.group(1)) if header else None
        else:
            frame = re.match(r'\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$', line)
            if frame:
                frames.append((frame_name(frame.group(1)), frame.group(2)))
    if pid is not None:
        yield pid, frames


def main():
    commands = {}
    for line in open(sys.argv[1]):
        pid, _, command = line.strip().partition(' ')
        if pid.isdigit():
            commands[int(pid)] = command
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    count = collections.Counter()
    kinds = collections.defaultdict(collections.Counter)
    running = collections.defaultdict(collections.Counter)
    on_stack = collections.defaultdict(collections.Counter)
    for pid, frames in samples(sys.stdin):
        if pid == 0 or not frames:
            continue  # the idle loop
        name = part(commands.get(pid, ''))
        count[name] += 1
        kinds[name][code_kind(frames[0][1])] += 1
        running[name][frames[0][0]] += 1
        for frame in {f for f, _ in frames if not PLUMBING.search(f)}:
            on_stack[name][frame] += 1
    busy = sum(count.values())
    print(f'{busy} busy samples (idle left out).')
    for name, n in count.most_common():
        print(f'\n### {name}: {100 * n / busy:.1f}% of the busy samples\n')
        print('Code running: ' + ', '.join(f'{kind} {100 * k / n:.0f}%' for kind, k in kinds[name].most_common()) + '.\n')
        if n < 100:
            continue
        print('| running (self) | % | on the stack (inclusive) | % |\n|---|---:|---|---:|')
        selfs, inclusive = running[name].most_common(top), on_stack[name].most_common(top)
        for i in range(top):
            left = f'`{selfs[i][0]}` | {100 * selfs[i][1] / n:.1f}' if i < len(selfs) else ' | '
            right = f'`{inclusive[i][0]}` | {100 * inclusive[i][1] / n:.1f}' if i < len(inclusive) else ' | '
            print(f'| {left} | {right} |')


if __name__ == '__main__':
    main()

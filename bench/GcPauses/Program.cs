using System.Globalization;
using Microsoft.Diagnostics.Tracing;

// Usage: Chat.GcPauses [--each] NAME TRACE.nettrace [NAME TRACE.nettrace …]
//
// Each trace is dotnet-trace's with the runtime's GC events (keyword 0x1 of
// Microsoft-Windows-DotNETRuntime, level 4; level 5 for --each). A pause runs from the runtime's
// request to suspend every managed thread (SuspendEEStart) to their restart (RestartEEStop), and is
// made of three parts: the suspension (until SuspendEEStop: every thread has reached a safe point,
// which on busy cores includes waiting for a preempted thread to run again), the collection itself
// (GCStart to GCStop) and the restart. Prints one markdown row per trace; with --each, then a table
// per trace of every collection: where its marking went by kind of root (the runtime reports each
// kind's promoted bytes as it finishes it, so the time between two reports is the later kind's) and
// what it promoted.
var each = args.Length > 0 && args[0] == "--each";
if (each)
{
    args = args[1..];
}
if (args.Length == 0 || args.Length % 2 != 0)
{
    Console.Error.WriteLine("usage: Chat.GcPauses [--each] NAME TRACE.nettrace [NAME TRACE.nettrace …]");
    return 2;
}
var traces = new List<(string Name, PauseTrace Trace)>();
for (var i = 0; i < args.Length; i += 2)
{
    traces.Add((args[i], PauseTrace.Read(args[i + 1])));
}
Console.WriteLine("| process | seconds traced | collections (gen 0 / 1 / 2) | pause p50 / p99 / max (ms) | paused in all (ms) | of it suspending (ms, share) | of it collecting (ms) | longest suspension (ms) |");
Console.WriteLine("|---|---:|---|---|---:|---:|---:|---:|");
foreach (var (name, trace) in traces)
{
    Console.WriteLine(trace.Row(name));
}
if (each)
{
    foreach (var (name, trace) in traces)
    {
        Console.WriteLine();
        Console.WriteLine($"{name}, each collection:");
        Console.WriteLine();
        trace.PrintEach(Console.Out);
    }
}
return 0;

/// <summary>The pauses of one process, from its GC events.</summary>
internal sealed class PauseTrace
{
    private readonly List<Pause> _pauses = [];
    private readonly int[] _byGeneration = new int[3];
    private double _first = double.NaN;
    private double _last;

    private sealed class Pause
    {
        public double SuspendStart;
        public double SuspendEnd = double.NaN;
        public double CollectStart = double.NaN;
        public double CollectEnd = double.NaN;
        public double RestartEnd = double.NaN;
        public int Generation = -1;
        public readonly List<(string Root, double At, long Bytes)> Marks = [];
        public long PromotedFrom0 = -1;
        public long PromotedFrom1 = -1;
        public long Gen0After = -1;

        public bool Complete => !double.IsNaN(SuspendEnd) && !double.IsNaN(RestartEnd);
        public double Length => RestartEnd - SuspendStart;
        public double Suspending => SuspendEnd - SuspendStart;
        public double Collecting => double.IsNaN(CollectStart) || double.IsNaN(CollectEnd) ? 0 : CollectEnd - CollectStart;
    }

    public static PauseTrace Read(string path)
    {
        var trace = new PauseTrace();
        using var source = new EventPipeEventSource(path);
        Pause? current = null;
        source.AllEvents += e =>
        {
            if (double.IsNaN(trace._first))
            {
                trace._first = e.TimeStampRelativeMSec;
            }
            trace._last = e.TimeStampRelativeMSec;
        };
        source.Clr.GCSuspendEEStart += e =>
        {
            current = new Pause { SuspendStart = e.TimeStampRelativeMSec };
            trace._pauses.Add(current);
        };
        source.Clr.GCSuspendEEStop += e =>
        {
            if (current is not null && double.IsNaN(current.SuspendEnd))
            {
                current.SuspendEnd = e.TimeStampRelativeMSec;
            }
        };
        source.Clr.GCStart += e =>
        {
            if (current is not null && double.IsNaN(current.CollectStart))
            {
                current.CollectStart = e.TimeStampRelativeMSec;
            }
            trace._byGeneration[Math.Clamp(e.Depth, 0, 2)]++;
            if (current is not null)
            {
                current.Generation = e.Depth;
            }
        };
        source.Clr.GCMarkWithType += e =>
        {
            current?.Marks.Add((RootName(e.Type), e.TimeStampRelativeMSec, e.Promoted));
        };
        source.Clr.GCHeapStats += e =>
        {
            var last = trace._pauses.Count > 0 ? trace._pauses[^1] : null;
            if (last is not null && last.PromotedFrom0 < 0)
            {
                last.PromotedFrom0 = e.TotalPromotedSize0;
                last.PromotedFrom1 = e.TotalPromotedSize1;
                last.Gen0After = e.GenerationSize0;
            }
        };
        source.Clr.GCStop += e =>
        {
            if (current is not null)
            {
                current.CollectEnd = e.TimeStampRelativeMSec;
            }
        };
        source.Clr.GCRestartEEStop += e =>
        {
            if (current is not null)
            {
                current.RestartEnd = e.TimeStampRelativeMSec;
                current = null;
            }
        };
        source.Process();
        return trace;
    }

    private static string RootName(int type) => type switch
    {
        0 => "stacks",
        1 => "finalizer queue",
        2 => "handles",
        3 => "older generations",
        4 => "sized refs",
        5 => "overflow",
        6 => "dependent handles",
        7 => "new finalizable",
        _ => $"kind {type}",
    };

    public void PrintEach(TextWriter output)
    {
        output.WriteLine("| at (s) | gen | pause (ms) | collecting (ms) | marking by kind of root: ms (KB promoted) | promoted from gen 0 / 1 (KB) |");
        output.WriteLine("|---:|---:|---:|---:|---|---|");
        foreach (var pause in _pauses.Where(p => p.Complete))
        {
            var marks = new List<string>();
            var previous = pause.CollectStart;
            foreach (var (root, at, bytes) in pause.Marks)
            {
                marks.Add(string.Create(CultureInfo.InvariantCulture, $"{root} {at - previous:F1} ({bytes / 1024})"));
                previous = at;
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {(pause.SuspendStart - _first) / 1000:F1} | {pause.Generation} | {pause.Length:F1} | {pause.Collecting:F1} | {string.Join(", ", marks)} | {pause.PromotedFrom0 / 1024} / {pause.PromotedFrom1 / 1024} |"));
        }
    }

    public string Row(string name)
    {
        var pauses = _pauses.Where(p => p.Complete).ToList();
        var lengths = pauses.Select(p => p.Length).Order().ToList();
        var paused = lengths.Sum();
        var suspending = pauses.Sum(p => p.Suspending);
        var collecting = pauses.Sum(p => p.Collecting);
        var seconds = double.IsNaN(_first) ? 0 : (_last - _first) / 1000;
        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {seconds:F1} | {_byGeneration.Sum()} ({_byGeneration[0]} / {_byGeneration[1]} / {_byGeneration[2]}) | " +
            $"{Percentile(lengths, 0.50):F1} / {Percentile(lengths, 0.99):F1} / {(lengths.Count > 0 ? lengths[^1] : 0):F1} | " +
            $"{paused:F1} | {suspending:F1} ({(paused > 0 ? suspending / paused : 0):P0}) | {collecting:F1} | " +
            $"{(pauses.Count > 0 ? pauses.Max(p => p.Suspending) : 0):F1} |");
    }

    private static double Percentile(List<double> sorted, double share) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(share * sorted.Count) - 1)];
}

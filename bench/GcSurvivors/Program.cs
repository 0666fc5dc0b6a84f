using System.Globalization;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Usage: Chat.GcSurvivors TRACE.nettrace [--stacks TYPE]
//
// The trace is dotnet-trace's with three kinds of the runtime's events (Microsoft-Windows-DotNETRuntime,
// keywords 0x80000400001, level 5): the collections (0x1), the ranges of objects each collection kept
// (0x400000, GCHeapSurvivalAndMovement: where a compacting collection moved each run of survivors,
// or where a sweeping one left them) and .NET 10's allocation sampling (0x80000000000: about one
// sample per 100 KB allocated, with the object's address, type and stack). A sampled object
// allocated in generation 0 survived its first collection when that collection reported a range
// holding its address; its new address is followed into later collections, so the tool also says
// how long the survivors lived on. A collection's heap history says whether it promoted: survivors
// it left in their generation are judged again by the next collection of that generation. Prints the survivors by type, by the first frame of ours on the
// stack that allocated them, and with --stacks the stacks of the types whose name contains TYPE.
var stacksOf = args.Length == 3 && args[1] == "--stacks" ? args[2] : null;
if (args.Length != 1 && stacksOf is null)
{
    Console.Error.WriteLine("usage: Chat.GcSurvivors TRACE.nettrace [--stacks TYPE]");
    return 2;
}
Survivors.Read(args[0], stacksOf).Print(Console.Out);
return 0;

/// <summary>The sampled objects of one process and what became of them at each collection.</summary>
internal sealed class Survivors
{
    // The runtime's mean sampling interval: each sample stands for this many bytes.
    private const long BytesPerSample = 100 * 1024;
    private const int AllocationSampledEvent = 303;
    private const int SmallObject = 0;
    private const int Rows = 25;
    private const int StackFrames = 10;

    private sealed class Sample(string type, string ourFrame, string stack)
    {
        public string Type { get; } = type;
        public string OurFrame { get; } = ourFrame;
        public string Stack { get; } = stack;
        public ulong Address;
        public int Generation;
        public int CollectionsSurvived;
        public bool Died;
    }

    private sealed class Collection(int number, int generation)
    {
        public int Number { get; } = number;
        public int Generation { get; } = generation;
        // Whether its survivors moved one generation up: the collector may keep them where they
        // were, and then the next collection of that generation marks and copies them again.
        public bool Promoted = true;
        public readonly List<(ulong From, ulong To, ulong Length)> Ranges = [];
        public int Young;
        public int YoungSurvived;
    }

    private readonly List<Sample> _samples = [];
    private readonly List<Collection> _collections = [];
    private readonly string? _stacksOf;

    private Survivors(string? stacksOf) => _stacksOf = stacksOf;

    public static Survivors Read(string tracePath, string? stacksOf)
    {
        var survivors = new Survivors(stacksOf);
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(tracePath));
        var living = new List<Sample>();
        Collection? current = null;
        // Settled at the next collection or the next sample, whichever is first: its heap history
        // (whether it promoted) may come after its end.
        Collection? ended = null;
        void SettleEnded()
        {
            if (ended is not null)
            {
                survivors.Settle(ended, living);
                survivors._collections.Add(ended);
                ended = null;
            }
        }
        foreach (var e in log.Events)
        {
            if (e is GCStartTraceData || (int)e.ID == AllocationSampledEvent)
            {
                SettleEnded();
            }
            switch (e)
            {
                // A background collection reports no ranges (it sweeps while the process runs); the
                // ephemeral collection that precedes it settles the young objects.
                case GCStartTraceData start when start.Type != GCType.BackgroundGC:
                    current = new Collection(start.Count, start.Depth);
                    break;
                case GCBulkMovedObjectRangesTraceData moved when current is not null:
                    for (var i = 0; i < moved.Count; i++)
                    {
                        var range = moved.Values(i);
                        current.Ranges.Add((range.OldRangeBase, range.NewRangeBase, range.RangeLength));
                    }
                    break;
                case GCBulkSurvivingObjectRangesTraceData kept when current is not null:
                    for (var i = 0; i < kept.Count; i++)
                    {
                        var range = kept.Values(i);
                        current.Ranges.Add((range.RangeBase, range.RangeBase, range.RangeLength));
                    }
                    break;
                case GCEndTraceData when current is not null:
                    ended = current;
                    current = null;
                    break;
                case GCGlobalHeapHistoryTraceData history when (current ?? ended) is { } collected:
                    collected.Promoted = (history.GlobalMechanisms & GCGlobalMechanisms.Promotion) != 0;
                    break;
                default:
                    if ((int)e.ID == AllocationSampledEvent && Convert.ToInt32(e.PayloadByName("AllocationKind"), CultureInfo.InvariantCulture) == SmallObject)
                    {
                        var sample = survivors.NewSample(e);
                        sample.Address = Convert.ToUInt64(e.PayloadByName("Address"), CultureInfo.InvariantCulture);
                        living.Add(sample);
                    }
                    break;
            }
        }
        SettleEnded();
        return survivors;
    }

    private Sample NewSample(TraceEvent e)
    {
        var frames = new List<string>();
        for (var frame = e.CallStack(); frame is not null; frame = frame.Caller)
        {
            frames.Add(frame.CodeAddress.FullMethodName ?? "");
        }
        var type = e.PayloadByName("TypeName") as string ?? "?";
        var stack = _stacksOf is not null && type.Contains(_stacksOf, StringComparison.Ordinal)
            ? string.Join("<br>", frames.Where(f => f.Length > 0 && !IsAllocationHelper(f)).Take(StackFrames))
            : "";
        var sample = new Sample(type, frames.FirstOrDefault(IsOurs) ?? "(no frame of ours)", stack);
        _samples.Add(sample);
        return sample;
    }

    /// <summary>
    /// What the collection did to every sampled object it condemned: kept (at the address its range
    /// moved it to, one generation older) or not (dead). Objects of older generations are not looked at.
    /// </summary>
    private void Settle(Collection collection, List<Sample> living)
    {
        collection.Ranges.Sort();
        var starts = collection.Ranges.Select(r => r.From).ToArray();
        foreach (var sample in living)
        {
            if (sample.Generation > collection.Generation)
            {
                continue;
            }
            var young = sample.Generation == 0;
            if (young)
            {
                collection.Young++;
            }
            var at = Array.BinarySearch(starts, sample.Address);
            var index = at >= 0 ? at : ~at - 1;
            if (index >= 0 && sample.Address < collection.Ranges[index].From + collection.Ranges[index].Length)
            {
                var (from, to, _) = collection.Ranges[index];
                sample.Address = to + (sample.Address - from);
                if (collection.Promoted)
                {
                    sample.Generation = Math.Min(sample.Generation + 1, 2);
                }
                sample.CollectionsSurvived++;
                if (young)
                {
                    collection.YoungSurvived++;
                }
            }
            else
            {
                sample.Died = true;
            }
        }
        living.RemoveAll(s => s.Died);
    }

    private static bool IsAllocationHelper(string frame) =>
        frame.StartsWith("System.GC.", StringComparison.Ordinal) || frame.StartsWith("System.String.FastAllocate", StringComparison.Ordinal);

    private static bool IsOurs(string frame) => frame.StartsWith("Chat.", StringComparison.Ordinal);

    public void Print(TextWriter output)
    {
        // Only objects whose first collection is in the trace can say whether they survived it.
        var judged = _samples.Where(s => s.Died || s.CollectionsSurvived > 0).ToList();
        var kept = judged.Where(s => s.CollectionsSurvived > 0).ToList();
        var gen0 = _collections.Where(c => c.Generation == 0).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{_collections.Count} collections ({gen0.Count} of generation 0), {judged.Count:N0} sampled objects met one, " +
            $"{kept.Count:N0} survived it ({Share(kept.Count, judged.Count)}): about {kept.Count * BytesPerSample / 1024 / Math.Max(1, _collections.Count):N0} KB kept per collection."));
        output.WriteLine();
        output.WriteLine("| collection | gen | promoted its survivors | kept, by its ranges (KB) | young samples | of them kept |");
        output.WriteLine("|---:|---:|---|---:|---:|---:|");
        foreach (var c in _collections)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c.Number} | {c.Generation} | {(c.Promoted ? "yes" : "no")} | {c.Ranges.Sum(r => (double)r.Length) / 1024:N0} | {c.Young} | {c.YoungSurvived} |"));
        }
        Table(output, "Survivors by type", kept, s => s.Type, judged);
        Table(output, "Survivors by type and the first frame of ours on the stack that allocated them", kept, s => $"{s.Type} <- {s.OurFrame}", judged);
        if (_stacksOf is not null)
        {
            Table(output, $"Survivors of the types named `{_stacksOf}`, by stack (innermost first)", kept.Where(s => s.Stack.Length > 0).ToList(), s => $"{s.Type}<br>{s.Stack}", judged);
        }
    }

    /// <summary>A table of survivors grouped by <paramref name="key"/>: how many, the share of all survivors, what share of that group's allocation survived, and how many collections they lived through.</summary>
    private static void Table(TextWriter output, string title, List<Sample> kept, Func<Sample, string> key, List<Sample> judged)
    {
        var allocated = judged.GroupBy(key).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine();
        output.WriteLine($"## {title}");
        output.WriteLine();
        output.WriteLine("| survivors | share of survivors | share of its kind's allocation that survived | collections lived through (mean) | still alive at the end | what |");
        output.WriteLine("|---:|---:|---:|---:|---:|---|");
        foreach (var group in kept.GroupBy(key).OrderByDescending(g => g.Count()).Take(Rows))
        {
            var count = group.Count();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {count} | {Share(count, kept.Count)} | {Share(count, allocated[group.Key])} | {group.Average(s => s.CollectionsSurvived):F1} | {group.Count(s => !s.Died)} | `{group.Key.Replace("|", "\\|", StringComparison.Ordinal)}` |"));
        }
    }

    private static string Share(int part, int whole) =>
        whole == 0 ? "-" : (100.0 * part / whole).ToString("F1", CultureInfo.InvariantCulture) + " %";
}

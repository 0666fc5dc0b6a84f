using System.Globalization;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;

// Usage: Chat.AllocationProfile TRACE.nettrace [MESSAGES] [--stacks TYPE]
//
// The trace is dotnet-trace's, with the runtime's allocation sampling on (.NET 10: keyword
// 0x80000000000 of Microsoft-Windows-DotNETRuntime, event AllocationSampled): about one sample
// per 100 KB allocated, each with its type and stack, so that a sample's weight is the sampling
// interval. (The older AllocationTick event fired a few dozen times in a ten-second trace of an
// Edge allocating 70 MB, and missed the message path: not used.) With MESSAGES, the totals are
// also given per message. With --stacks, the stacks that allocate most of the types whose name
// contains TYPE are printed instead (innermost frames first): where a type's bytes come from when
// no frame of ours is on the stack.
var stacksOf = args.Length >= 2 && args[^2] == "--stacks" ? args[^1] : null;
var rest = stacksOf is null ? args : args[..^2];
if (rest.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: Chat.AllocationProfile TRACE.nettrace [MESSAGES] [--stacks TYPE]");
    return 2;
}
var messages = rest.Length == 2 ? long.Parse(rest[1], CultureInfo.InvariantCulture) : 0;
var profile = AllocationSamples.Read(rest[0], stacksOf);
profile.Print(Console.Out, messages);
return 0;

/// <summary>Allocation samples of one process, totalled three ways.</summary>
internal sealed class AllocationSamples
{
    // The runtime's mean sampling interval: each sample stands for this many bytes.
    private const long BytesPerSample = 100 * 1024;
    private const int AllocationSampledEvent = 303;
    private const int Rows = 25;
    private const int StackFrames = 8;

    private readonly Dictionary<string, long> _byType = [];
    private readonly Dictionary<string, long> _byOurFrame = [];
    private readonly Dictionary<string, long> _byPart = [];
    private readonly Dictionary<string, long> _byStack = [];
    private readonly string? _stacksOf;
    private long _samples;

    private AllocationSamples(string? stacksOf) => _stacksOf = stacksOf;

    public static AllocationSamples Read(string tracePath, string? stacksOf = null)
    {
        var samples = new AllocationSamples(stacksOf);
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(tracePath));
        foreach (var sample in log.Events.Where(e => (int)e.ID == AllocationSampledEvent))
        {
            samples.Add(sample.PayloadByName("TypeName") as string ?? "?", Frames(sample));
        }
        return samples;
    }

    private static List<string> Frames(TraceEvent sample)
    {
        var frames = new List<string>();
        for (var frame = sample.CallStack(); frame is not null; frame = frame.Caller)
        {
            frames.Add(frame.CodeAddress.FullMethodName ?? "");
        }
        return frames;
    }

    private void Add(string type, List<string> frames)
    {
        _samples++;
        Count(_byType, type);
        Count(_byOurFrame, $"{type} <- {frames.FirstOrDefault(IsOurs) ?? "(no frame of ours)"}");
        Count(_byPart, PartOf(frames));
        if (_stacksOf is not null && type.Contains(_stacksOf, StringComparison.Ordinal))
        {
            Count(_byStack, $"{type}<br>" + string.Join("<br>", frames.Where(f => f.Length > 0 && !IsAllocationHelper(f)).Take(StackFrames)));
        }
    }

    // The runtime's own frames between the allocation and the code that asked for it.
    private static bool IsAllocationHelper(string frame) =>
        frame.StartsWith("System.GC.", StringComparison.Ordinal) || frame.StartsWith("System.String.FastAllocate", StringComparison.Ordinal);

    private static bool IsOurs(string frame) => frame.StartsWith("Chat.", StringComparison.Ordinal);

    /// <summary>Which part of the message path the stack is in, by the first of ours that names one; else the innermost frame.</summary>
    private static string PartOf(List<string> frames)
    {
        string[] parts =
        [
            "StoreStream", "StoreBatcher", "StoreBatchStream", "MessageSender", "RedisMessageBus", "Bus.",
            "FrameReader", "FrameDispatcher", "ConnectionWriter", "DeliveryMarks", "ChatGrpcService",
            "GroupCommit", "PostgresBatchWriter", "PostgresMessageStore",
        ];
        foreach (var frame in frames.Where(IsOurs))
        {
            if (parts.FirstOrDefault(part => frame.Contains(part, StringComparison.Ordinal)) is { } part)
            {
                return part.TrimEnd('.');
            }
        }
        return "elsewhere: " + (frames.FirstOrDefault(f => f.Length > 0) ?? "?");
    }

    private static void Count(Dictionary<string, long> totals, string key) =>
        totals[key] = totals.GetValueOrDefault(key) + 1;

    public void Print(TextWriter output, long messages)
    {
        var bytes = _samples * BytesPerSample;
        output.WriteLine($"{_samples:N0} samples, about {bytes / 1e6:N1} MB allocated"
            + (messages > 0 ? $", {bytes / (double)messages:N0} B per message over {messages:N0} messages" : ""));
        if (_stacksOf is not null)
        {
            Table(output, $"Stacks of the types named `{_stacksOf}` (innermost first)", _byStack, messages);
            return;
        }
        Table(output, "By part of the message path (the first frame of ours that names one)", _byPart, messages);
        Table(output, "By type", _byType, messages);
        Table(output, "By type and the first frame of ours on its stack", _byOurFrame, messages);
    }

    private void Table(TextWriter output, string title, Dictionary<string, long> totals, long messages)
    {
        output.WriteLine();
        output.WriteLine($"## {title}");
        output.WriteLine();
        output.WriteLine(messages > 0 ? "| share | B per message | what |" : "| share | MB | what |");
        output.WriteLine("|---:|---:|---|");
        foreach (var (key, count) in totals.OrderByDescending(p => p.Value).Take(Rows))
        {
            var amount = messages > 0
                ? (count * BytesPerSample / (double)messages).ToString("N0", CultureInfo.InvariantCulture)
                : (count * BytesPerSample / 1e6).ToString("N1", CultureInfo.InvariantCulture);
            output.WriteLine($"| {100.0 * count / _samples:F1}% | {amount} | `{key.Replace("|", "\\|", StringComparison.Ordinal)}` |");
        }
    }
}

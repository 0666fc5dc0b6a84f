namespace Chat.LoadGen;

/// <summary>
/// The generator's own CPU time, counted from one moment: it shares the cores with the servers it
/// measures, so every microsecond it spends is one they do not get. Reported with each run, per
/// message, so a change to the generator shows what it costs or saves.
/// </summary>
public readonly record struct OwnCpu(TimeSpan Used)
{
    public static OwnCpu SoFar() => new(Environment.CpuUsage.TotalTime);

    /// <summary>The CPU time from this moment until <paramref name="end"/>, in all and per message of <paramref name="messages"/>.</summary>
    public object Until(OwnCpu end, long messages)
    {
        var used = end.Used - Used;
        return new
        {
            seconds = used.TotalSeconds,
            microsecondsPerMessage = messages == 0 ? 0 : used.TotalMicroseconds / messages,
        };
    }
}

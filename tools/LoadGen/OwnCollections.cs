namespace Chat.LoadGen;

/// <summary>
/// The generator's own garbage collections, counted from one moment: a collection stops its
/// receive loops too, so frames that arrive during one are timed late by the generator, not by
/// the servers. Reported with each run, to tell the two apart in a tail.
/// </summary>
public readonly record struct OwnCollections(int Collections, int Gen1, int Gen2, TimeSpan Paused)
{
    /// <summary>The counts so far (a collection of generation 1 or 2 counts in the lower ones too, as the runtime counts it).</summary>
    public static OwnCollections SoFar() =>
        new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    /// <summary>What happened from these counts until <paramref name="end"/>'s, as the run's result shows it.</summary>
    public object Until(OwnCollections end)
    {
        var collections = end.Collections - Collections;
        var pausedMs = (end.Paused - Paused).TotalMilliseconds;
        return new
        {
            collections,
            gen1 = end.Gen1 - Gen1,
            gen2 = end.Gen2 - Gen2,
            pausedMs,
            meanPauseMs = collections == 0 ? 0 : pausedMs / collections,
        };
    }
}

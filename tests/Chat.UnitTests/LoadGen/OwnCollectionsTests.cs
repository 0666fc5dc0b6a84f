using System.Text.Json;
using Chat.LoadGen;

namespace Chat.UnitTests.LoadGen;

/// <summary>The generator's own collections, as each run reports them beside its latencies.</summary>
public class OwnCollectionsTests
{
    [Fact]
    public void A_run_reports_the_collections_and_pause_time_between_its_two_counts()
    {
        var start = new OwnCollections(Collections: 10, Gen1: 3, Gen2: 1, Paused: TimeSpan.FromMilliseconds(40));
        var end = new OwnCollections(Collections: 14, Gen1: 4, Gen2: 1, Paused: TimeSpan.FromMilliseconds(58));

        var reported = JsonSerializer.SerializeToElement(start.Until(end));

        Assert.Equal(4, reported.GetProperty("collections").GetInt32());
        Assert.Equal(1, reported.GetProperty("gen1").GetInt32());
        Assert.Equal(0, reported.GetProperty("gen2").GetInt32());
        Assert.Equal(18, reported.GetProperty("pausedMs").GetDouble(), precision: 6);
        Assert.Equal(4.5, reported.GetProperty("meanPauseMs").GetDouble(), precision: 6);
    }

    [Fact]
    public void A_collection_made_between_the_counts_is_counted_in_every_generation_it_reached()
    {
        var start = OwnCollections.SoFar();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        var end = OwnCollections.SoFar();

        Assert.True(end.Collections > start.Collections);
        Assert.True(end.Gen1 > start.Gen1);
        Assert.True(end.Gen2 > start.Gen2);
        Assert.True(end.Paused > start.Paused);
    }
}

using System.Collections.Concurrent;
using Chat.ChatService.Storage;

namespace Chat.UnitTests.ChatStore;

/// <summary>
/// The clock part of message ids: above every inbox head it is given, above every id this process
/// handed out before (whatever the clock says, and with many writers at once), and otherwise the
/// clock itself. The floor is process-wide, so each test starts from wherever it stands: no test
/// assumes it is the first to ask.
/// </summary>
public sealed class MessageClockTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A time whose microseconds are above every id handed out so far.</summary>
    private static DateTimeOffset AheadOfEverything()
    {
        var floor = MessageClock.NextId(DateTimeOffset.UnixEpoch, [0]);
        return DateTimeOffset.UnixEpoch + TimeSpan.FromMicroseconds(floor + 1_000_000);
    }

    [Fact]
    public void The_clock_part_is_microseconds_since_the_unix_epoch()
    {
        Assert.Equal(0, MessageClock.Microseconds(DateTimeOffset.UnixEpoch));
        Assert.Equal(1_500_001, MessageClock.Microseconds(DateTimeOffset.UnixEpoch + TimeSpan.FromTicks(15_000_019)));
        Assert.Equal(1_796_558_400_000_000, MessageClock.Microseconds(Now));
    }

    [Fact]
    public void With_the_clock_ahead_of_every_head_and_of_the_floor_the_id_is_the_clock()
    {
        var now = AheadOfEverything();

        Assert.Equal(MessageClock.Microseconds(now), MessageClock.NextId(now, [5, 7]));
    }

    [Fact]
    public void An_id_is_above_every_head_even_when_the_clock_is_behind_them()
    {
        var now = AheadOfEverything();
        var head = MessageClock.Microseconds(now) + 5_000_000; // a replica with a clock 5 s ahead wrote last

        var id = MessageClock.NextId(now, [3, head, 11]);

        Assert.Equal(head + 1, id);
    }

    [Fact]
    public void Ids_keep_rising_when_the_clock_goes_backwards()
    {
        var now = AheadOfEverything();
        var before = MessageClock.NextId(now, [0]);

        var afterAStepBack = MessageClock.NextId(now - TimeSpan.FromHours(1), [0]);
        var sameMicrosecond = MessageClock.NextId(now - TimeSpan.FromHours(1), [0]);

        Assert.Equal(before + 1, afterAStepBack);
        Assert.Equal(before + 2, sameMicrosecond);
    }

    [Fact]
    public async Task Writers_asking_at_once_in_the_same_microsecond_get_distinct_ids_each_rising()
    {
        const int Writers = 8, IdsEach = 2_000;
        var now = AheadOfEverything();
        var all = new ConcurrentBag<long>();
        using var start = new Barrier(Writers);

        var writers = Enumerable.Range(0, Writers).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            var mine = new long[IdsEach];
            for (var i = 0; i < IdsEach; i++)
            {
                // Disjoint heads, as group commit's writers lock disjoint inboxes: only the floor keeps them apart.
                mine[i] = MessageClock.NextId(now, [0]);
                all.Add(mine[i]);
            }
            return mine;
        }, TaskCreationOptions.LongRunning)).ToArray();
        var issued = await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(Writers * IdsEach, all.Distinct().Count());
        Assert.All(issued, mine => Assert.Equal(mine.Order(), mine));
        Assert.True(all.Min() >= MessageClock.Microseconds(now));
    }
}

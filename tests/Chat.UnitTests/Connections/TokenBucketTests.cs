using Chat.Edge.Connections;
using Microsoft.Extensions.Time.Testing;

namespace Chat.UnitTests.Connections;

public class TokenBucketTests
{
    private readonly FakeTimeProvider _clock = new();

    private static int TakeAll(TokenBucket bucket)
    {
        var taken = 0;
        while (bucket.TryTake())
        {
            taken++;
        }
        return taken;
    }

    [Fact]
    public void It_starts_full_and_refuses_once_the_burst_is_spent()
    {
        var bucket = new TokenBucket(rate: 2, burst: 3, _clock);
        Assert.Equal(3, TakeAll(bucket));
        Assert.False(bucket.TryTake());
    }

    [Fact]
    public void It_refills_at_the_rate()
    {
        var bucket = new TokenBucket(rate: 4, burst: 10, _clock);
        TakeAll(bucket);

        _clock.Advance(TimeSpan.FromMilliseconds(200)); // 0.8 of a token
        Assert.False(bucket.TryTake());

        _clock.Advance(TimeSpan.FromMilliseconds(50)); // 1.0
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(4, TakeAll(bucket));
    }

    [Fact]
    public void A_refused_take_costs_nothing_and_time_keeps_counting()
    {
        var bucket = new TokenBucket(rate: 1, burst: 1, _clock);
        Assert.True(bucket.TryTake());
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.False(bucket.TryTake());
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(bucket.TryTake());
    }

    [Fact]
    public void It_saves_up_no_more_than_the_burst()
    {
        var bucket = new TokenBucket(rate: 20, burst: 5, _clock);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(5, TakeAll(bucket));
    }
}

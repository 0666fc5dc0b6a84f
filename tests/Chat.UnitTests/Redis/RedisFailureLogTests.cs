using Chat.Edge.Redis;
using Chat.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Chat.UnitTests.Redis;

public class RedisFailureLogTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingLogger<RedisFailureLog> _log = new();
    private readonly RedisFailureLog _failures;

    public RedisFailureLogTests()
    {
        _failures = new RedisFailureLog(Options.Create(new RedisOptions { FailureLogInterval = Interval }), _clock, _log);
    }

    private static RedisException Refused() => new("connection refused");

    [Fact]
    public void The_first_failure_is_logged_at_once_with_what_failed_and_why()
    {
        _failures.Report("subscribe", Refused());

        var (eventId, message) = Assert.Single(_log.Entries);
        Assert.Equal(201, eventId);
        Assert.Contains("subscribe", message);
        Assert.Contains("RedisException: connection refused", message);
    }

    [Fact]
    public void Failures_within_the_interval_are_counted_into_the_next_line()
    {
        _failures.Report("subscribe", Refused());
        _clock.Advance(Interval - TimeSpan.FromMilliseconds(1));
        _failures.Report("publish", Refused());
        _failures.Report("publish", new TimeoutException("timed out"));
        Assert.Single(_log.Entries);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        _failures.Report("publish", Refused());

        Assert.Equal(2, _log.Entries.Count);
        Assert.Contains("publish failed", _log.Entries[1].Message);
        Assert.Contains("2 more Redis failures", _log.Entries[1].Message);
    }
}

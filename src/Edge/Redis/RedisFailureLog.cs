using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chat.Edge.Redis;

/// <summary>
/// Reports failed Redis commands without flooding the log during an outage: the first failure is
/// logged at once, later ones are counted and summed up in at most one line per interval.
/// </summary>
public sealed partial class RedisFailureLog(IOptions<RedisOptions> options, TimeProvider clock, ILogger<RedisFailureLog> logger)
{
    private readonly Lock _gate = new();
    private long? _lastLoggedAt; // the clock's timestamp of the last line, none before the first
    private int _suppressed;

    /// <summary>True for the failures Redis being away or slow produces, which callers absorb.</summary>
    public static bool IsRedisFailure(Exception e) =>
        e is RedisException or TimeoutException or ObjectDisposedException;

    public void Report(string operation, Exception failure)
    {
        int suppressed;
        lock (_gate)
        {
            var now = clock.GetTimestamp();
            if (_lastLoggedAt is { } last && clock.GetElapsedTime(last, now) < options.Value.FailureLogInterval)
            {
                _suppressed++;
                return;
            }
            _lastLoggedAt = now;
            suppressed = _suppressed;
            _suppressed = 0;
        }
        LogFailed(logger, operation, failure.GetType().Name, failure.Message, suppressed);
    }

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning,
        Message = "Redis {Operation} failed ({Error}: {Reason}); {Suppressed} more Redis failures since the last report; serving local connections only")]
    private static partial void LogFailed(ILogger logger, string operation, string error, string reason, int suppressed);
}

using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chat.Edge.ScaleOut;

/// <summary>
/// The replica's one connection to Redis (StackExchange.Redis multiplexes every command and
/// subscription over it). It starts even when Redis is away, never queues commands while Redis is
/// away (they fail at once: a replica must not buffer without bound), and reconnects by itself;
/// <see cref="Restored"/> tells the replica to make up for what the outage cost.
/// </summary>
public sealed partial class RedisConnection : IDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;
    private readonly ILogger<RedisConnection> _logger;
    private int _down;

    public RedisConnection(IOptions<RedisOptions> options, NodeIdentity node, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        var settings = options.Value;
        var configuration = ConfigurationOptions.Parse(settings.ConnectionString);
        configuration.AbortOnConnectFail = false; // start anyway; local connections do not need Redis
        configuration.BacklogPolicy = BacklogPolicy.FailFast; // no queue of commands while disconnected
        configuration.ConnectTimeout = (int)settings.ConnectTimeout.TotalMilliseconds;
        configuration.SyncTimeout = (int)settings.OperationTimeout.TotalMilliseconds;
        configuration.AsyncTimeout = (int)settings.OperationTimeout.TotalMilliseconds;
        configuration.ReconnectRetryPolicy = new ExponentialRetry(250, (int)settings.MaxReconnectDelay.TotalMilliseconds);
        configuration.ClientName = "edge-" + node.Id;
        // Nothing the Edge does needs the library's tie-breaker key, its configuration-change
        // channel or its CLIENT SETINFO announcement; left on, they are commands outside what the
        // Edges' Redis user may run (redis/edge-user.acl) and fill the server's ACL log.
        configuration.TieBreaker = "";
        configuration.ConfigurationChannel = "";
        configuration.SetClientLibrary = false;
        _multiplexer = ConnectionMultiplexer.Connect(configuration);
        _multiplexer.ConnectionFailed += OnConnectionFailed;
        _multiplexer.ConnectionRestored += OnConnectionRestored;
        // Connect returns once commands work; the subscription link may follow a moment later.
        // Waiting for it (at most the connect timeout) means the first users' subscriptions work.
        SpinWait.SpinUntil(() => IsConnected, settings.ConnectTimeout);
        if (!IsConnected)
        {
            Interlocked.Exchange(ref _down, 1);
            LogUnreachable(_logger, configuration.ToString(includePassword: false), "not reachable at start");
        }
    }

    /// <summary>Raised (on a pool thread) whenever a lost connection to Redis is back.</summary>
    public event Action? Restored;

    /// <summary>True while both links are up: commands, and subscriptions (a separate connection on RESP2).</summary>
    public bool IsConnected => _multiplexer.GetSubscriber().IsConnected();

    public IDatabase Database => _multiplexer.GetDatabase();

    public ISubscriber Subscriber => _multiplexer.GetSubscriber();

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        // Raised for each connection and each failed reconnection attempt: one line per outage.
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            LogUnreachable(_logger, e.EndPoint?.ToString() ?? "?", $"{e.FailureType}: {e.Exception?.Message}");
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        // Back only once both links are: a late failure of the other link then logs nothing new.
        if (IsConnected && Interlocked.Exchange(ref _down, 0) == 1)
        {
            LogRestored(_logger, e.EndPoint?.ToString() ?? "?");
        }
        // Every restored link (commands, subscriptions) may have lost events: recovery coalesces.
        Restored?.Invoke();
    }

    public void Dispose() => _multiplexer.Dispose();

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning,
        Message = "Redis at {EndPoint} unreachable ({Reason}); this replica's connections get other replicas' messages from the store until it returns")]
    private static partial void LogUnreachable(ILogger logger, string endPoint, string reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information,
        Message = "Redis at {EndPoint} reachable again; connections catch up from the store")]
    private static partial void LogRestored(ILogger logger, string endPoint);
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chat.Edge.Redis;

/// <summary>
/// The replica's one connection to Redis (StackExchange.Redis multiplexes every command and
/// subscription over it). It starts even when Redis is away, never queues commands while Redis is
/// away (they fail at once: a replica must not buffer without bound), and reconnects by itself;
/// <see cref="Restored"/> tells the replica to make up for what the outage cost. The connection
/// string may name one Redis or several nodes of a Redis Cluster; <see cref="IsCluster"/> says
/// which it found, and <see cref="TopologyChanged"/> that slots moved or a node failed over, after
/// which the library resubscribes by itself but events published in between are gone.
/// </summary>
public sealed partial class RedisConnection : IDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;
    private readonly ILogger<RedisConnection> _logger;

    // Cluster nodes whose loss was logged, so each is logged once until it is back.
    private readonly ConcurrentDictionary<string, byte> _lostNodes = new(StringComparer.Ordinal);
    private int _down;
    private int _topologyKnown;
    private volatile bool _cluster;

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
        // channel, its CLIENT SETINFO announcement or its CONFIG GET probes; left on, they are
        // commands outside what the Edges' Redis user may run (redis/edge-user.acl: CONFIG GET
        // would show a cluster's masterauth) and fill the server's ACL log.
        configuration.TieBreaker = "";
        configuration.ConfigurationChannel = "";
        configuration.SetClientLibrary = false;
        configuration.CommandMap = CommandMap.Create(new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "CONFIG" }, available: false);
        _multiplexer = ConnectionMultiplexer.Connect(configuration);
        _multiplexer.ConnectionFailed += OnConnectionFailed;
        _multiplexer.ConnectionRestored += OnConnectionRestored;
        _multiplexer.HashSlotMoved += OnHashSlotMoved;
        _multiplexer.ConfigurationChanged += OnConfigurationChanged;
        // Connect returns once commands work; the subscription link may follow a moment later.
        // Waiting for it (at most the connect timeout) means the first users' subscriptions work.
        SpinWait.SpinUntil(() => IsConnected, settings.ConnectTimeout);
        if (!IsConnected)
        {
            Interlocked.Exchange(ref _down, 1);
            LogUnreachable(_logger, configuration.ToString(includePassword: false), "not reachable at start");
        }
        else
        {
            LearnTopology();
        }
    }

    /// <summary>Raised (on a pool thread) whenever a lost connection to Redis is back.</summary>
    public event Action? Restored;

    /// <summary>
    /// Raised (on a pool thread) when a cluster's slots moved to another node (a MOVED answer, a
    /// failover, a reshard), with a short reason for the log.
    /// </summary>
    public event Action<string>? TopologyChanged;

    /// <summary>
    /// True when the nodes are a Redis Cluster: per-user channels are then sharded
    /// (<c>SSUBSCRIBE</c>/<c>SPUBLISH</c>, one shard per channel) rather than broadcast to every node.
    /// Learnt once, on the first connection.
    /// </summary>
    public bool IsCluster => _cluster;

    /// <summary>True while both links are up: commands, and subscriptions (a separate connection on RESP2).</summary>
    public bool IsConnected => _multiplexer.GetSubscriber().IsConnected();

    public IDatabase Database => _multiplexer.GetDatabase();

    public ISubscriber Subscriber => _multiplexer.GetSubscriber();

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (_cluster && IsConnected)
        {
            // One node of a cluster that still answers: not an outage of Redis. Its primaries' slots
            // move to their replicas, and the replica recovers on the topology change that follows.
            var endPoint = e.EndPoint?.ToString() ?? "?";
            if (_lostNodes.TryAdd(endPoint, 0))
            {
                LogNodeLost(_logger, endPoint, e.FailureType.ToString());
            }
            return;
        }
        // Raised for each connection and each failed reconnection attempt: one line per outage.
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            LogUnreachable(_logger, e.EndPoint?.ToString() ?? "?", $"{e.FailureType}: {e.Exception?.Message}");
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        _lostNodes.TryRemove(e.EndPoint?.ToString() ?? "?", out _);
        // Back only once both links are: a late failure of the other link then logs nothing new.
        if (IsConnected && Interlocked.Exchange(ref _down, 0) == 1)
        {
            LogRestored(_logger, e.EndPoint?.ToString() ?? "?");
        }
        LearnTopology(); // not yet known when Redis was away at start
        // Every restored link (commands, subscriptions) may have lost events: recovery coalesces.
        Restored?.Invoke();
    }

    private void OnHashSlotMoved(object? sender, HashSlotMovedEventArgs e)
    {
        if (_cluster)
        {
            TopologyChanged?.Invoke($"slot {e.HashSlot} moved to {e.NewEndPoint}");
        }
    }

    private void OnConfigurationChanged(object? sender, EndPointEventArgs e)
    {
        if (_cluster)
        {
            TopologyChanged?.Invoke($"configuration of {e.EndPoint} changed");
        }
    }

    private void LearnTopology()
    {
        if (Volatile.Read(ref _topologyKnown) == 1)
        {
            return;
        }
        var servers = _multiplexer.GetServers();
        if (!servers.Any(s => s.IsConnected))
        {
            return;
        }
        if (Interlocked.Exchange(ref _topologyKnown, 1) == 0)
        {
            _cluster = servers.Any(s => s.ServerType == ServerType.Cluster);
            if (_cluster)
            {
                LogCluster(_logger, servers.Count(s => !s.IsReplica), servers.Length);
            }
        }
    }

    public void Dispose() => _multiplexer.Dispose();

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning,
        Message = "Redis at {EndPoint} unreachable ({Reason}); this replica's connections get other replicas' messages from the store until it returns")]
    private static partial void LogUnreachable(ILogger logger, string endPoint, string reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information,
        Message = "Redis at {EndPoint} reachable again; connections catch up from the store")]
    private static partial void LogRestored(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 207, Level = LogLevel.Information,
        Message = "Redis is a cluster of {Primaries} primaries ({Nodes} nodes): per-user channels are sharded")]
    private static partial void LogCluster(ILogger logger, int primaries, int nodes);

    [LoggerMessage(EventId = 209, Level = LogLevel.Warning,
        Message = "Redis Cluster node {EndPoint} unreachable ({FailureType}); the others still answer, and its slots move to its replica")]
    private static partial void LogNodeLost(ILogger logger, string endPoint, string failureType);
}

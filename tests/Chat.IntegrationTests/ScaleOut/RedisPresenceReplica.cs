using Chat.Edge.Presence;
using Chat.Edge.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>The presence side of one Edge replica joined by Redis, built in the test process.</summary>
public sealed class RedisPresenceReplica : IDisposable
{
    private RedisPresenceReplica(RedisPresence presence, RedisConnection connection, LocalConnections local)
    {
        Presence = presence;
        Connection = connection;
        Local = local;
    }

    public RedisPresence Presence { get; }

    public RedisConnection Connection { get; }

    public LocalConnections Local { get; }

    /// <summary>The one place a test builds a <see cref="RedisPresence"/>.</summary>
    /// <param name="ttl">How long a heartbeat keeps a user online (the Edge's default when null).</param>
    public static RedisPresenceReplica Start(string connectionString, TimeSpan? ttl = null)
    {
        var redisOptions = Options.Create(new RedisOptions { ConnectionString = connectionString, MaxReconnectDelay = TimeSpan.FromMilliseconds(500) });
        var node = new NodeIdentity($"presence-{Guid.NewGuid():N}");
        var connection = new RedisConnection(redisOptions, node, NullLogger<RedisConnection>.Instance);
        var presenceOptions = new PresenceOptions();
        presenceOptions.Ttl = ttl ?? presenceOptions.Ttl;
        presenceOptions.HeartbeatInterval = presenceOptions.Ttl / 3;
        var local = new LocalConnections();
        var presence = new RedisPresence(connection, node, local, Options.Create(presenceOptions),
            new RedisFailureLog(redisOptions, TimeProvider.System, NullLogger<RedisFailureLog>.Instance));
        return new RedisPresenceReplica(presence, connection, local);
    }

    public PresenceReplica AsPresenceReplica() => new(Presence, Local, () =>
    {
        Dispose();
        return ValueTask.CompletedTask;
    });

    public void Dispose() => Connection.Dispose();
}

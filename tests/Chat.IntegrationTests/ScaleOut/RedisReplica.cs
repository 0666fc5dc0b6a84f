using Chat.Edge.Bus;
using Chat.Edge.Redis;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>The Redis side of one Edge replica, built in the test process: its connection, bus and delivery.</summary>
public sealed class RedisReplica : IAsyncDisposable
{
    private RedisReplica(RedisConnection connection, RedisMessageBus bus, RedisFailureLog failures, RecordingDelivery delivery)
    {
        Connection = connection;
        Bus = bus;
        Failures = failures;
        Delivery = delivery;
    }

    public RedisConnection Connection { get; }

    public RedisMessageBus Bus { get; }

    public RedisFailureLog Failures { get; }

    public RecordingDelivery Delivery { get; }

    public static RedisReplica Start(string connectionString)
    {
        var options = Options.Create(new RedisOptions
        {
            ConnectionString = connectionString,
            MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
        });
        var node = new NodeIdentity($"test-{Guid.NewGuid():N}");
        // Kept, so that an event that never comes is reported with what the replica saw of Redis
        // (a subscription refused, a node lost); once, in CI, one did not come within 10 s.
        var connectionLog = new RecordingLogger<RedisConnection>();
        var failureLog = new RecordingLogger<RedisFailureLog>();
        var busLog = new RecordingLogger<RedisMessageBus>();
        var connection = new RedisConnection(options, node, connectionLog);
        var failures = new RedisFailureLog(options, failureLog);
        RedisMessageBus? bus = null;
        var delivery = new RecordingDelivery(() =>
            $"; failed subscriptions: {bus?.HasFailedSubscriptions}; Redis log: "
            + string.Join(" | ", connectionLog.Entries.Concat(failureLog.Entries).Concat(busLog.Entries).Select(e => e.Message)));
        bus = new RedisMessageBus(connection, delivery, node, failures, UnobservedMetrics.Edge(), busLog);
        return new RedisReplica(connection, bus, failures, delivery);
    }

    public BusReplica AsBusReplica() => new(Bus, Delivery, DisposeAsync);

    /// <summary>Waits until the connection to Redis is (or is no longer) up.</summary>
    public async Task WaitConnectedAsync(bool connected = true)
    {
        await Eventually.TrueAsync(() => Connection.IsConnected == connected, $"the Redis connection {(connected ? "up" : "down")}");
    }

    public ValueTask DisposeAsync()
    {
        Connection.Dispose();
        return ValueTask.CompletedTask;
    }
}

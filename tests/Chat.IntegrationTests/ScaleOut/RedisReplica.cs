using Chat.Edge.Bus;
using Chat.Edge.Redis;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
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
        var connection = new RedisConnection(options, node, NullLogger<RedisConnection>.Instance);
        var failures = new RedisFailureLog(options, NullLogger<RedisFailureLog>.Instance);
        var delivery = new RecordingDelivery();
        var bus = new RedisMessageBus(connection, delivery, node, failures, UnobservedMetrics.Edge(), NullLogger<RedisMessageBus>.Instance);
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

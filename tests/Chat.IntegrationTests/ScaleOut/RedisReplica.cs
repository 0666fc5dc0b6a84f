using Chat.Edge.Bus;
using Chat.Edge.Redis;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>The Redis side of one Edge replica, built in the test process: its connection, bus and delivery.</summary>
public sealed class RedisReplica : IAsyncDisposable
{
    private readonly CancellationTokenSource _disposed = new();

    private RedisReplica(RedisConnection connection, RedisMessageBus bus, RedisFailureLog failures, RecordingDelivery delivery)
    {
        Connection = connection;
        Bus = bus;
        Failures = failures;
        Delivery = delivery;
        _ = RetryFailedSubscriptionsAsync(_disposed.Token);
    }

    /// <summary>
    /// What the Edge's RedisBusRecovery does while Redis is up, and only that: a subscription
    /// refused while the subscription link was still connecting (seen on a fresh cluster) is tried
    /// again each second. Without it, such a subscription stayed failed for the whole test.
    /// </summary>
    private async Task RetryFailedSubscriptionsAsync(CancellationToken disposed)
    {
        try
        {
            while (!disposed.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), disposed);
                if (Bus.HasFailedSubscriptions && Connection.IsConnected)
                {
                    await Bus.RetryFailedSubscriptionsAsync(disposed);
                }
            }
        }
        catch (OperationCanceledException) when (disposed.IsCancellationRequested)
        {
        }
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
        var failures = new RedisFailureLog(options, TimeProvider.System, failureLog);
        RedisMessageBus? bus = null;
        var delivery = new RecordingDelivery(() =>
            $"; failed subscriptions: {bus?.HasFailedSubscriptions}; Redis log: "
            + string.Join(" | ", connectionLog.Entries.Concat(failureLog.Entries).Concat(busLog.Entries).Select(e => e.Message)));
        bus = new RedisMessageBus(connection, delivery, node, failures, UnobservedMetrics.Edge(), busLog);
        return new RedisReplica(connection, bus, failures, delivery);
    }

    public BusReplica AsBusReplica() => new(Bus, Delivery, Bus.IsSubscribed, DisposeAsync);

    /// <summary>Waits until the connection to Redis is (or is no longer) up.</summary>
    public async Task WaitConnectedAsync(bool connected = true)
    {
        await Eventually.TrueAsync(() => Connection.IsConnected == connected, $"the Redis connection {(connected ? "up" : "down")}");
    }

    public ValueTask DisposeAsync()
    {
        _disposed.Cancel();
        Connection.Dispose();
        return ValueTask.CompletedTask;
    }
}

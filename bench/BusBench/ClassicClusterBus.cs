using Chat.Edge.Bus;
using Chat.Edge.Redis;
using StackExchange.Redis;

namespace Chat.BusBench;

/// <summary>
/// The product's bus as it would be on a cluster without sharded pub/sub: the same envelope, the
/// same one-queue-per-user reading, but classic PUBLISH/SUBSCRIBE, which a Redis Cluster
/// broadcasts to every node. Only the benchmark has this: the product always shards on a cluster.
/// </summary>
public sealed class ClassicClusterBus(RedisConnection redis, NodeIdentity node, ILocalDelivery local) : IMessageBus
{
    public async Task PublishAsync(string user, BusEvent busEvent, CancellationToken cancellationToken)
    {
        local.Deliver(user, busEvent);
        await redis.Subscriber.PublishAsync(RedisChannels.User(user, sharded: false), new BusEnvelope(node.Id, busEvent).ToUtf8Json());
    }

    public async Task SubscribeAsync(string user)
    {
        var queue = await redis.Subscriber.SubscribeAsync(RedisChannels.User(user, sharded: false));
        queue.OnMessage(message =>
        {
            var envelope = BusEnvelope.FromUtf8Json(((ReadOnlyMemory<byte>)message.Message).Span);
            if (envelope is not null && envelope.Origin != node.Id)
            {
                local.Deliver(user, envelope.Event);
            }
        });
    }

    public Task UnsubscribeAsync(string user) => redis.Subscriber.UnsubscribeAsync(RedisChannels.User(user, sharded: false));
}

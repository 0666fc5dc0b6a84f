using System.Text;
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
    private readonly byte[] _origin = Encoding.UTF8.GetBytes(node.Id);

    public async Task PublishAsync(string user, BusEvent busEvent, CancellationToken cancellationToken)
    {
        local.Deliver(user, busEvent);
        await redis.Subscriber.PublishAsync(RedisChannels.User(user, sharded: false), BusEnvelope.Write(_origin, busEvent));
    }

    public async Task SubscribeAsync(string user)
    {
        var queue = await redis.Subscriber.SubscribeAsync(RedisChannels.User(user, sharded: false));
        queue.OnMessage(message =>
        {
            if (BusEnvelope.TryRead(((ReadOnlyMemory<byte>)message.Message).Span, out var envelope) && !envelope.Origin.SequenceEqual(_origin))
            {
                local.Deliver(user, envelope.ToEvent());
            }
        });
    }

    public Task UnsubscribeAsync(string user) => redis.Subscriber.UnsubscribeAsync(RedisChannels.User(user, sharded: false));
}

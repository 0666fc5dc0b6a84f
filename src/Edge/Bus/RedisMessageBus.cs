using System.Text;
using Chat.Edge.Observability;
using Chat.Edge.Redis;
using StackExchange.Redis;

namespace Chat.Edge.Bus;

/// <summary>
/// The bus of several Edge replicas sharing one Redis or one Redis Cluster. Each user has a channel
/// (<see cref="RedisChannels.User"/>) that a replica subscribes to while it holds a connection of
/// that user, so Redis routes every event only to the replicas that need it and publishing needs no
/// presence lookup. On a cluster the channel is sharded: only the shard that owns its slot carries
/// it, so each shard added adds pub/sub capacity (classic pub/sub would reach every node). A replica delivers its own events to its own connections directly and ignores
/// their echo, so it keeps serving its users while Redis is away; what other replicas missed
/// meanwhile, they read from the store when Redis returns (<see cref="RecoverAsync"/>, run by
/// <see cref="RedisBusRecovery"/>; while it is away, <see cref="OutageDelivery"/>).
/// </summary>
public sealed partial class RedisMessageBus(
    RedisConnection redis,
    ILocalDelivery local,
    NodeIdentity node,
    RedisFailureLog failures,
    EdgeMetrics metrics,
    ILogger<RedisMessageBus> logger) : IMessageBus
{
    /// <summary>
    /// Recipients remembered while publishing fails, to be told to catch up when Redis returns.
    /// Past this many, the rest get their messages with their next message or reconnect.
    /// </summary>
    public const int MaxMissedRecipients = 10_000;

    /// <summary>The bus's <c>messaging.system</c> in metrics.</summary>
    public const string MessagingSystem = "redis";

    // This replica's name as envelopes carry it, to tell its own echo without decoding a string.
    private readonly byte[] _origin = Encoding.UTF8.GetBytes(node.Id);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, UserChannel> _channels = new(StringComparer.Ordinal);
    private readonly HashSet<string> _missed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failedSubscriptions = new(StringComparer.Ordinal);

    public async Task PublishAsync(string user, BusEvent busEvent, CancellationToken cancellationToken)
    {
        local.Deliver(user, busEvent);
        try
        {
            // Awaited: one publish in flight per sending connection, in the order it sends.
            await redis.Subscriber.PublishAsync(RedisChannels.User(user, redis.IsCluster), BusEnvelope.Write(_origin, busEvent));
            metrics.Published(MessagingSystem, errorType: null);
        }
        catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
        {
            // Never the sender's problem: the message is stored and the sender gets `sent`.
            metrics.Published(MessagingSystem, e.GetType().Name);
            failures.Report("publish", e);
            RememberMissed(user);
        }
    }

    public Task SubscribeAsync(string user)
    {
        UserChannel channel;
        lock (_gate)
        {
            if (!_channels.TryGetValue(user, out channel!))
            {
                channel = new UserChannel();
                _channels.Add(user, channel);
            }
            channel.Wanted++;
        }
        return ReconcileAsync(user, channel);
    }

    public Task UnsubscribeAsync(string user)
    {
        UserChannel? channel;
        lock (_gate)
        {
            if (!_channels.TryGetValue(user, out channel) || channel.Wanted == 0)
            {
                return Task.CompletedTask; // unbalanced call: nothing to undo
            }
            channel.Wanted--;
        }
        return ReconcileAsync(user, channel);
    }

    /// <summary>True while this replica is subscribed to the user's channel on Redis (for tests and diagnostics).</summary>
    public bool IsSubscribed(string user)
    {
        lock (_gate)
        {
            return _channels.TryGetValue(user, out var channel) && channel.Queue is not null;
        }
    }

    /// <summary>True when some subscription could not be made and waits for another attempt.</summary>
    public bool HasFailedSubscriptions
    {
        get
        {
            lock (_gate)
            {
                return _failedSubscriptions.Count > 0;
            }
        }
    }

    /// <summary>
    /// Tries again the subscriptions that failed (Redis away, or not yet connected at start). The
    /// users' local connections are then told to catch up: events may have passed meanwhile.
    /// </summary>
    public async Task RetryFailedSubscriptionsAsync(CancellationToken cancellationToken)
    {
        var failed = new List<(string User, UserChannel Channel)>();
        lock (_gate)
        {
            foreach (var user in _failedSubscriptions)
            {
                if (_channels.TryGetValue(user, out var channel))
                {
                    failed.Add((user, channel));
                }
            }
        }
        foreach (var (user, channel) in failed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await ReconcileAsync(user, channel);
        }
    }

    /// <summary>
    /// After an outage: retries the failed subscriptions and tells the recipients whose events
    /// could not be published that they missed something, so they catch up from the store.
    /// </summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        await RetryFailedSubscriptionsAsync(cancellationToken);
        string[] missed;
        lock (_gate)
        {
            missed = [.. _missed];
            _missed.Clear();
        }
        var hint = BusEnvelope.Write(_origin, BusEvent.CatchUp);
        for (var i = 0; i < missed.Length; i++)
        {
            try
            {
                await redis.Subscriber.PublishAsync(RedisChannels.User(missed[i], redis.IsCluster), hint);
            }
            catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
            {
                failures.Report("publish catch-up hint", e);
                foreach (var user in missed.AsSpan(i))
                {
                    RememberMissed(user); // Redis went away again: next time
                }
                return;
            }
        }
    }

    private void RememberMissed(string user)
    {
        lock (_gate)
        {
            if (_missed.Count < MaxMissedRecipients)
            {
                _missed.Add(user);
            }
        }
    }

    /// <summary>
    /// Brings the user's subscription in line with the number of callers that want it. Calls for
    /// one user run one at a time, each looking at the count when it runs, so however subscribe
    /// and unsubscribe calls interleave, the last one leaves the state the count asks for.
    /// </summary>
    private async Task ReconcileAsync(string user, UserChannel channel)
    {
        await channel.Turn.WaitAsync();
        try
        {
            bool wanted;
            lock (_gate)
            {
                wanted = channel.Wanted > 0;
            }
            if (wanted && channel.Queue is null)
            {
                var queue = await TrySubscribeAsync(user);
                var retried = false;
                lock (_gate)
                {
                    channel.Queue = queue;
                    if (queue is null)
                    {
                        _failedSubscriptions.Add(user);
                    }
                    else
                    {
                        retried = _failedSubscriptions.Remove(user);
                    }
                }
                if (queue is not null && retried)
                {
                    local.Deliver(user, BusEvent.CatchUp); // unsubscribed until now: events may have passed
                }
            }
            else if (!wanted && channel.Queue is { } queue)
            {
                await TryUnsubscribeAsync(queue);
                lock (_gate)
                {
                    channel.Queue = null;
                }
            }
            lock (_gate)
            {
                if (!wanted)
                {
                    _failedSubscriptions.Remove(user);
                }
                // Forgotten only once idle, under the lock every new caller takes first, so a
                // caller either finds this entry still counted or makes a fresh one.
                if (channel.Wanted == 0 && channel.Queue is null && _channels.TryGetValue(user, out var current) && current == channel)
                {
                    _channels.Remove(user);
                }
            }
        }
        finally
        {
            channel.Turn.Release();
        }
    }

    private async Task<ChannelMessageQueue?> TrySubscribeAsync(string user)
    {
        var name = RedisChannels.User(user, redis.IsCluster);
        try
        {
            var queue = await redis.Subscriber.SubscribeAsync(name);
            // A queue hands messages over one at a time, in the order Redis sent them; the
            // handler-style Subscribe runs handlers concurrently and would reorder a user's events.
            queue.OnMessage(message => OnMessage(user, message.Message));
            return queue;
        }
        catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
        {
            failures.Report("subscribe", e);
            // The client registered the queue before the server refused: drop it, or it would fill
            // unread once Redis returns. Recovery subscribes afresh.
            try
            {
                await redis.Subscriber.UnsubscribeAsync(name);
            }
            catch (Exception again) when (RedisFailureLog.IsRedisFailure(again))
            {
                // Only the server side failed; the local registration is gone either way.
            }
            return null;
        }
    }

    private async Task TryUnsubscribeAsync(ChannelMessageQueue queue)
    {
        try
        {
            await queue.UnsubscribeAsync();
        }
        catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
        {
            // The queue is unregistered locally before the server is told; a server that cannot be
            // told has lost the connection, and the subscription with it.
            failures.Report("unsubscribe", e);
        }
    }

    private void OnMessage(string user, RedisValue payload)
    {
        if (!BusEnvelope.TryRead(((ReadOnlyMemory<byte>)payload).Span, out var envelope))
        {
            LogUnreadable(logger, user);
            return;
        }
        if (!envelope.Origin.SequenceEqual(_origin))
        {
            local.Deliver(user, envelope.ToEvent());
        }
    }

    /// <summary>One user's subscription: how many callers want it, and the queue while subscribed.</summary>
    private sealed class UserChannel
    {
        public readonly SemaphoreSlim Turn = new(1, 1);
        public int Wanted;
        public ChannelMessageQueue? Queue;
    }

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Ignored an unreadable event on the channel of {User}")]
    private static partial void LogUnreadable(ILogger logger, string user);
}

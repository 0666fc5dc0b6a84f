using StackExchange.Redis;

namespace Chat.Edge.Redis;

/// <summary>
/// Every Redis channel and key the Edge uses, named in one place. Usernames contain only
/// <c>a-z 0-9 _ . -</c>, so they cannot break out of their segment. A user's presence keys
/// carry the username as a hash tag (<c>{alice}</c>): on a Redis Cluster they live in one slot, on
/// the same shard as the user's sharded channel, so a user's presence is read from one node and
/// anything that touches both keys at once stays legal there.
/// </summary>
public static class RedisChannels
{
    private const string Prefix = "chat:";

    /// <summary>
    /// Pub/sub: the events for one user; the replicas holding a connection of theirs subscribe. On a
    /// cluster (<paramref name="sharded"/>) a sharded channel, routed by its slot to one shard only;
    /// on one Redis the classic channel it always was, so replicas of before and after it agree.
    /// </summary>
    public static RedisChannel User(string username, bool sharded) => sharded
        ? RedisChannel.Sharded($"{Prefix}user:{{{username}}}")
        : RedisChannel.Literal($"{Prefix}user:{username}");

    /// <summary>Sorted set: the replicas where the user is connected, scored by their last heartbeat (Unix ms).</summary>
    public static RedisKey Presence(string username) => $"{Prefix}presence:{{{username}}}";

    /// <summary>String: when the user's last connection on some replica closed (Unix ms).</summary>
    public static RedisKey LastSeen(string username) => $"{Prefix}lastseen:{{{username}}}";

    /// <summary>
    /// String: a cached answer of <paramref name="area"/> (e.g. token checks) for <paramref name="key"/>.
    /// No hash tag: every cache command touches this one key, so any slot will do.
    /// </summary>
    public static RedisKey Cache(string area, string key) => $"{Prefix}cache:{area}:{key}";
}

using StackExchange.Redis;

namespace Chat.Edge.ScaleOut;

/// <summary>
/// Every Redis channel and key the Edge uses, named in one place. Usernames contain only
/// <c>a-z 0-9 _ . -</c>, so they cannot break out of their segment.
/// </summary>
public static class RedisChannels
{
    private const string Prefix = "chat:";

    /// <summary>Pub/sub: the events for one user; the replicas holding a connection of theirs subscribe.</summary>
    public static RedisChannel User(string username) => RedisChannel.Literal($"{Prefix}user:{username}");

    /// <summary>Sorted set: the replicas where the user is connected, scored by their last heartbeat (Unix ms).</summary>
    public static RedisKey Presence(string username) => $"{Prefix}presence:{username}";

    /// <summary>String: when the user's last connection on some replica closed (Unix ms).</summary>
    public static RedisKey LastSeen(string username) => $"{Prefix}lastseen:{username}";

    /// <summary>String: a cached answer of <paramref name="area"/> (e.g. token checks) for <paramref name="key"/>.</summary>
    public static RedisKey Cache(string area, string key) => $"{Prefix}cache:{area}:{key}";
}

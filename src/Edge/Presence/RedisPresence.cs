using System.Globalization;
using Chat.Edge.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chat.Edge.Presence;

/// <summary>
/// Presence shared by the replicas through Redis. Per user, a sorted set of the replicas holding a
/// connection of theirs, scored by each replica's last heartbeat (<see cref="RedisChannels.Presence"/>):
/// the user is online while some score is younger than the TTL, so the users of a replica that
/// crashed go offline by themselves, last seen at its last heartbeat. A replica that closes a
/// user's last connection removes itself and writes the time (<see cref="RedisChannels.LastSeen"/>).
/// </summary>
public sealed class RedisPresence(
    RedisConnection redis,
    NodeIdentity node,
    ILocalUsers local,
    IOptions<PresenceOptions> options,
    RedisFailureLog failures) : IPresence
{
    /// <summary>Users refreshed per Redis batch by the heartbeat.</summary>
    private const int RefreshBatchSize = 1000;

    public async Task ConnectedAsync(string user)
    {
        try
        {
            await Task.WhenAll(MarkOnline(redis.Database, user, NowMs()));
        }
        catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
        {
            failures.Report("presence update", e); // the next heartbeat after Redis returns fixes it
        }
    }

    public async Task DisconnectedAsync(string user)
    {
        try
        {
            await Task.WhenAll(MarkOffline(redis.Database, user, NowMs()));
            if (local.IsOnline(user))
            {
                // A new connection of the user opened while this one closed: it reported itself
                // before our removal, so restore it.
                await Task.WhenAll(MarkOnline(redis.Database, user, NowMs()));
            }
        }
        catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
        {
            // The entry stays until its heartbeat is older than the TTL; then the user is offline,
            // last seen at that heartbeat.
            failures.Report("presence update", e);
        }
    }

    /// <summary>The heartbeat: these users are still connected here.</summary>
    public Task RefreshAsync(IReadOnlyList<string> users) => InBatchesAsync(users, MarkOnline);

    /// <summary>A graceful stop: these users are no longer connected here.</summary>
    public Task LeaveAsync(IReadOnlyList<string> users) => InBatchesAsync(users, MarkOffline);

    public async Task<IReadOnlyList<UserPresence>> GetAsync(IReadOnlyList<string> users)
    {
        if (!redis.IsConnected)
        {
            throw new PresenceUnavailableException("Redis is unreachable");
        }
        try
        {
            var batch = redis.Database.CreateBatch();
            var newest = users.Select(u => batch.SortedSetRangeByRankWithScoresAsync(RedisChannels.Presence(u), -1, -1)).ToArray();
            // One GET per user, pipelined, not one MGET: on a cluster the users' keys live in
            // different slots, and a command may not span slots.
            var lastSeen = users.Select(u => batch.StringGetAsync(RedisChannels.LastSeen(u))).ToArray();
            batch.Execute();
            await Task.WhenAll(newest);
            var closed = await Task.WhenAll(lastSeen);
            var onlineSince = NowMs() - (long)options.Value.Ttl.TotalMilliseconds;
            var answer = new UserPresence[users.Count];
            for (var i = 0; i < users.Count; i++)
            {
                double? heartbeat = newest[i].Result is [var entry] ? entry.Score : null;
                var online = heartbeat >= onlineSince;
                long? seen = closed[i].HasValue && closed[i].TryParse(out long ms) ? ms : null;
                if (!online && heartbeat is { } last && (seen is null || last > seen))
                {
                    seen = (long)last; // its replica vanished without a goodbye: seen at its last heartbeat
                }
                answer[i] = new UserPresence(users[i], online, seen is { } s ? DateTimeOffset.FromUnixTimeMilliseconds(s).UtcDateTime : null);
            }
            return answer;
        }
        catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
        {
            throw new PresenceUnavailableException("Redis failed: " + e.Message, e);
        }
    }

    /// <summary>Runs <paramref name="update"/> for every user, one pipelined Redis batch per thousand.</summary>
    private async Task InBatchesAsync(IReadOnlyList<string> users, Func<IDatabaseAsync, string, long, IEnumerable<Task>> update)
    {
        var now = NowMs();
        foreach (var chunk in users.Chunk(RefreshBatchSize))
        {
            var batch = redis.Database.CreateBatch();
            var pending = chunk.SelectMany(user => update(batch, user, now)).ToList();
            batch.Execute();
            await Task.WhenAll(pending);
        }
    }

    private IEnumerable<Task> MarkOnline(IDatabaseAsync db, string user, long now)
    {
        var key = RedisChannels.Presence(user);
        var ttl = (long)options.Value.Ttl.TotalMilliseconds;
        yield return db.SortedSetAddAsync(key, node.Id, now);
        // Entries of replicas that vanished: the user is online here now, so they tell nothing.
        yield return db.SortedSetRemoveRangeByScoreAsync(key, double.NegativeInfinity, now - ttl, Exclude.Stop);
        yield return db.KeyExpireAsync(key, options.Value.Retention);
    }

    private IEnumerable<Task> MarkOffline(IDatabaseAsync db, string user, long now)
    {
        yield return db.SortedSetRemoveAsync(RedisChannels.Presence(user), node.Id);
        yield return db.StringSetAsync(RedisChannels.LastSeen(user), now.ToString(CultureInfo.InvariantCulture), options.Value.Retention);
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}

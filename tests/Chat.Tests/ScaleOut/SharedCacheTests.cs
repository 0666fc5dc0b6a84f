using Chat.Edge.Authentication;
using Chat.Edge.Caching;
using Chat.Edge.ScaleOut;
using Chat.Tests.Infrastructure;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Chat.Tests.ScaleOut;

/// <summary>The two-level cache (memory, then Redis) the replicas share answers through.</summary>
public sealed class SharedCacheTests
{
    private sealed record Answer(string Text);

    private static (TieredCache<Answer> Cache, RedisConnection Connection) Replica(string connectionString)
    {
        var options = Options.Create(new RedisOptions { ConnectionString = connectionString, MaxReconnectDelay = TimeSpan.FromMilliseconds(500) });
        var connection = new RedisConnection(options, new NodeIdentity("cache-test"), NullLogger<RedisConnection>.Instance);
        var shared = new RedisSharedCache(connection, new RedisFailureLog(options, NullLogger<RedisFailureLog>.Instance));
        var memory = new MemoryCache(new MemoryCacheOptions());
        return (new TieredCache<Answer>(memory, shared, "test", a => a.Text, t => new Answer(t)), connection);
    }

    [Fact]
    public async Task An_answer_cached_by_one_replica_serves_another_and_outlives_its_ttl_on_neither()
    {
        var redis = await RedisServer.SharedAsync();
        var (a, connectionA) = Replica(redis.ConnectionString);
        var (b, connectionB) = Replica(redis.ConnectionString);
        using (connectionA)
        using (connectionB)
        {
            var key = Guid.NewGuid().ToString("N");
            await a.SetAsync(key, new Answer("yes"), TimeSpan.FromSeconds(2));

            Assert.Equal("yes", (await b.GetAsync(key))?.Text);
            var left = await connectionB.Database.KeyTimeToLiveAsync(RedisChannels.Cache("test", key));
            Assert.InRange(left!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(2));

            await Task.Delay(TimeSpan.FromSeconds(2.5));
            Assert.Null(await b.GetAsync(key)); // B's memory copy expired with the shared one
            Assert.Null(await a.GetAsync(key));
        }
    }

    [Fact]
    public async Task With_Redis_down_the_cache_keeps_its_memory_and_never_throws()
    {
        await using var redis = await RedisServer.StartNewAsync();
        var (a, connection) = Replica(redis.ConnectionString);
        using (connection)
        {
            await a.SetAsync("before", new Answer("kept"), TimeSpan.FromMinutes(1));
            await redis.StopAsync();
            while (connection.IsConnected)
            {
                await Task.Delay(50);
            }

            await a.SetAsync("during", new Answer("memory only"), TimeSpan.FromMinutes(1));

            Assert.Equal("kept", (await a.GetAsync("before"))?.Text);
            Assert.Equal("memory only", (await a.GetAsync("during"))?.Text);
            Assert.Null(await a.GetAsync("never"));
        }
    }

    [Fact]
    public void A_valid_token_is_cached_until_shortly_before_it_expires_and_never_after()
    {
        var now = new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
        TokenCheck Valid(TimeSpan left) => new(new AuthenticatedUser("1", "alice", now + left), Unavailable: false);

        Assert.Equal(TimeSpan.FromSeconds(3), TokenValidator.CacheLifetime(Valid(TimeSpan.FromSeconds(8)), now)); // ends 5 s before the token
        Assert.Equal(TimeSpan.FromSeconds(5), TokenValidator.CacheLifetime(Valid(TimeSpan.FromHours(1)), now)); // an ended session works 5 s at most
        Assert.True(TokenValidator.CacheLifetime(Valid(TimeSpan.FromSeconds(2)), now) <= TimeSpan.Zero); // too close: not cached
        Assert.True(TokenValidator.CacheLifetime(Valid(-TimeSpan.FromSeconds(1)), now) <= TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromSeconds(30), TokenValidator.CacheLifetime(TokenCheck.Invalid, now));
    }
}

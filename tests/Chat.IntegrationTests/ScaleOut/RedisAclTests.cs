using Chat.IntegrationTests.Realtime;
using StackExchange.Redis;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// The Edges' Redis user (redis/edge-user.acl, as docker-compose.yml gives it to them) may do what
/// the Edges do — the bus, presence, the shared cache — and nothing else.
/// </summary>
public sealed class RedisAclTests(RedisWithUsersSystem system) : IClassFixture<RedisWithUsersSystem>
{
    /// <summary>The client name of this test's own connections, told apart from the Edges' in Redis's ACL log.</summary>
    private const string ProbeName = "acl-probe";

    [Fact]
    public async Task Two_Edges_under_the_edge_user_deliver_share_presence_and_cache_and_Redis_refuses_them_nothing()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var alice = await system.ConnectAsync(aliceToken, edge: system.EdgeA);
        // Bob's token is checked on A, then found in the shared cache by B.
        await using (var bobOnA = await system.ConnectAsync(bobToken, edge: system.EdgeA))
        {
            await using var bobOnB = await system.ConnectAsync(bobToken, edge: system.EdgeB);
            await alice.SendTextAsync($"{bob} across replicas");
            var id = (await alice.ExpectAsync("sent")).GetProperty("id").GetString();
            Assert.Equal(id, (await bobOnB.ExpectAsync("message")).GetProperty("id").GetString());
            Assert.Equal(id, (await bobOnA.ExpectAsync("message")).GetProperty("id").GetString());
            var online = await ScaleOutSystem.WaitForPresenceAsync(system.EdgeB, aliceToken, bob, online: true, TimeSpan.FromSeconds(5));
            Assert.True(online.GetProperty("online").GetBoolean());
        }
        // Both of bob's connections closed: his last-seen time is written and read across replicas.
        var offline = await ScaleOutSystem.WaitForPresenceAsync(system.EdgeA, aliceToken, bob, online: false, TimeSpan.FromSeconds(10));
        Assert.True(offline.TryGetProperty("lastSeen", out _), offline.ToString());

        var refusals = await RefusalsAsync(entry => !entry.Contains("name=" + ProbeName, StringComparison.Ordinal));
        Assert.True(refusals.Count == 0, "Redis refused the Edges:\n" + string.Join('\n', refusals));
    }

    [Theory]
    [InlineData("FLUSHALL")]
    [InlineData("KEYS", "*")]
    [InlineData("CONFIG", "SET", "maxmemory", "1")]
    [InlineData("SET", "other:key", "1")]
    [InlineData("GET", "other:key")]
    [InlineData("PUBLISH", "other-channel", "1")]
    [InlineData("EVAL", "return 1", "0")]
    [InlineData("ACL", "LIST")]
    public async Task The_edge_user_is_refused_anything_else(string command, params string[] arguments)
    {
        await using var redis = await ConnectAsEdgeAsync();
        var refused = await Assert.ThrowsAsync<RedisServerException>(() => redis.GetDatabase().ExecuteAsync(command, [.. arguments]));
        Assert.StartsWith("NOPERM", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_edge_user_may_use_its_own_prefix()
    {
        await using var redis = await ConnectAsEdgeAsync();
        var key = "chat:acl-test:" + Guid.NewGuid().ToString("N");
        Assert.True(await redis.GetDatabase().StringSetAsync(key, "1", TimeSpan.FromMinutes(1)));
        Assert.Equal("1", await redis.GetDatabase().StringGetAsync(key));
    }

    private async Task<ConnectionMultiplexer> ConnectAsEdgeAsync()
    {
        var options = ConfigurationOptions.Parse(system.Redis.EdgeConnectionString);
        options.ClientName = ProbeName;
        options.AllowAdmin = true; // else the library itself refuses FLUSHALL, KEYS and CONFIG before Redis can
        options.TieBreaker = "";
        options.ConfigurationChannel = "";
        options.SetClientLibrary = false;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>Redis's ACL log (the administrator reads it): one line per refused command, with the client's details.</summary>
    private async Task<List<string>> RefusalsAsync(Func<string, bool> which)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(system.Redis.ConnectionString);
        var log = await admin.GetDatabase().ExecuteAsync("ACL", "LOG");
        return [.. ((RedisResult[])log!).Select(entry => string.Join(' ', ((RedisResult[])entry!).Select(field => field.ToString()))).Where(which)];
    }
}

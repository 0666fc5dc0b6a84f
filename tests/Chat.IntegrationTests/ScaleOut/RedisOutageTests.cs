using System.Text.Json;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// Two replicas whose connections do not read the store while Redis is away (an hour between
/// reads), so a test sees what the return of Redis alone delivers.
/// </summary>
public sealed class RecoveryOnlyScaleOutSystem : ScaleOutSystem
{
    public RecoveryOnlyScaleOutSystem()
    {
        EdgeSettings["Redis__OutagePollInterval"] = "01:00:00";
    }
}

/// <summary>Redis stopped and started again under two live replicas (a system of its own).</summary>
public sealed class RedisOutageTests(RecoveryOnlyScaleOutSystem system) : IClassFixture<RecoveryOnlyScaleOutSystem>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static string Text(JsonElement frame, string property) => frame.GetProperty(property).GetString()!;

    [Fact]
    public async Task While_Redis_is_down_each_replica_serves_its_own_users_and_the_others_catch_up_when_it_returns()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        var (_, carolToken) = await system.NewUserAsync("carol");
        var (dave, daveToken) = await system.NewUserAsync("dave");
        await using var aliceOnA = await system.ConnectAsync(aliceToken, edge: system.EdgeA);
        await using var bobOnA = await system.ConnectAsync(bobToken, edge: system.EdgeA);
        await using var bobOnB = await system.ConnectAsync(bobToken, edge: system.EdgeB);
        await using var carolOnB = await system.ConnectAsync(carolToken, edge: system.EdgeB);
        await using var daveOnB = await system.ConnectAsync(daveToken, edge: system.EdgeB);
        await aliceOnA.SendTextAsync($"{bob} before");
        await aliceOnA.ExpectAsync("sent");
        await bobOnA.ExpectAsync("message");
        await bobOnB.ExpectAsync("message");

        await system.Redis.StopAsync();
        await ScaleOutSystem.WaitForReadinessAsync(system.EdgeA, "Degraded", Patience);
        await ScaleOutSystem.WaitForReadinessAsync(system.EdgeB, "Degraded", Patience);

        var during = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await aliceOnA.SendTextAsync($"{bob} during {i}");
            during.Add(Text(await aliceOnA.ExpectAsync("sent"), "id")); // stored, so acknowledged
            Assert.Equal($"during {i}", Text(await bobOnA.ExpectAsync("message"), "text")); // same replica: live
        }
        await carolOnB.SendTextAsync($"{dave} local to B");
        await carolOnB.ExpectAsync("sent");
        Assert.Equal("local to B", Text(await daveOnB.ExpectAsync("message"), "text"));
        await bobOnB.ExpectSilenceAsync(TimeSpan.FromSeconds(1)); // nothing crosses replicas now (no reads of the store here)

        await system.Redis.StartAsync();
        await ScaleOutSystem.WaitForReadinessAsync(system.EdgeA, "Healthy", Patience);
        await ScaleOutSystem.WaitForReadinessAsync(system.EdgeB, "Healthy", Patience);

        // No reconnect: replica B re-reads the store for its connections once Redis is back.
        foreach (var id in during)
        {
            Assert.Equal(id, Text(await bobOnB.ExpectAsync("message", Patience), "id"));
        }
        await aliceOnA.SendTextAsync($"{bob} after");
        await aliceOnA.ExpectAsync("sent");
        Assert.Equal("after", Text(await bobOnB.ExpectAsync("message", Patience), "text"));

        foreach (var edge in new[] { system.EdgeA, system.EdgeB })
        {
            Assert.False(edge.Process.HasExited);
            var output = edge.Process.Output;
            Assert.Single(output, line => line.Contains("\"EventId\":202", StringComparison.Ordinal)); // "Redis unreachable", once
            // Each replica published during the outage: its first failure is logged at once, the
            // rest counted into at most one more line (none at all before the failure log's fix).
            Assert.InRange(output.Count(line => line.Contains("\"EventId\":201", StringComparison.Ordinal)), 1, 2);
        }
    }
}

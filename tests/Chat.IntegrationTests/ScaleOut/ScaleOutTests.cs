using System.Globalization;
using System.Net;
using System.Text.Json;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// Two real Edge processes joined by a real Redis, real WebSocket clients on each; run on one Redis
/// (<see cref="OneRedisScaleOutTests"/>) and on a Redis Cluster (<see cref="ClusterScaleOutTests"/>).
/// </summary>
public abstract class ScaleOutTests<TSystem>(TSystem system) : IClassFixture<TSystem>
    where TSystem : ScaleOutSystem
{
    private static string Text(JsonElement frame, string property) => frame.GetProperty(property).GetString()!;

    [Fact]
    public async Task A_message_sent_on_replica_A_reaches_the_recipient_on_replica_B()
    {
        var (alice, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(aliceToken, edge: system.EdgeA);
        await using var b = await system.ConnectAsync(bobToken, edge: system.EdgeB);

        await a.SendJsonAsync(new { type = "send", to = bob, text = "across replicas", clientId = "x-1" });

        var sent = await a.ExpectAsync("sent");
        var message = await b.ExpectAsync("message");
        Assert.Equal(Text(sent, "id"), Text(message, "id"));
        Assert.Equal(alice, Text(message, "from"));
        Assert.Equal("across replicas", Text(message, "text"));
        await b.ExpectSilenceAsync(TimeSpan.FromMilliseconds(500)); // once, not once per path
    }

    [Fact]
    public async Task A_user_connected_to_both_replicas_gets_each_message_on_both()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (_, carolToken) = await system.NewUserAsync("carol");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var alice = await system.ConnectAsync(aliceToken, edge: system.EdgeA);
        await using var carol = await system.ConnectAsync(carolToken, edge: system.EdgeB);
        await using var bobOnA = await system.ConnectAsync(bobToken, edge: system.EdgeA);
        await using var bobOnB = await system.ConnectAsync(bobToken, edge: system.EdgeB);

        await alice.SendTextAsync($"{bob} from A");
        var fromA = Text(await alice.ExpectAsync("sent"), "id");
        await carol.SendTextAsync($"{bob} from B");
        var fromB = Text(await carol.ExpectAsync("sent"), "id");

        foreach (var connection in new[] { bobOnA, bobOnB })
        {
            Assert.Equal(fromA, Text(await connection.ExpectAsync("message"), "id"));
            Assert.Equal(fromB, Text(await connection.ExpectAsync("message"), "id"));
            await connection.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300));
        }
    }

    [Fact]
    public async Task A_thousand_messages_from_replica_A_reach_replica_B_in_order()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(aliceToken, edge: system.EdgeA);
        await using var b = await system.ConnectAsync(bobToken, edge: system.EdgeB);

        await OrderedStream.SendAndExpectInOrderAsync(a, b, bob, 1000);
    }

    [Fact]
    public async Task Presence_is_the_same_on_every_replica()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        var never = (await system.NewUserAsync("never")).Username;

        var bobOnA = await system.ConnectAsync(bobToken, edge: system.EdgeA);
        var online = await ScaleOutSystem.WaitForPresenceAsync(system.EdgeB, aliceToken, bob, online: true, TimeSpan.FromSeconds(10));
        Assert.Equal(bob, Text(online, "username"));

        await bobOnA.DisposeAsync();
        var offline = await ScaleOutSystem.WaitForPresenceAsync(system.EdgeB, aliceToken, bob, online: false, TimeSpan.FromSeconds(10));
        var lastSeen = DateTime.Parse(Text(offline, "lastSeen"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.InRange(lastSeen, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddSeconds(5));

        var nobody = await ScaleOutSystem.PresenceOfAsync(system.EdgeA, aliceToken, never);
        Assert.False(nobody.GetProperty("online").GetBoolean());
        Assert.Equal(JsonValueKind.Null, nobody.GetProperty("lastSeen").ValueKind);
    }

    [Fact]
    public async Task The_users_of_a_crashed_replica_go_offline_after_the_ttl()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (carol, carolToken) = await system.NewUserAsync("carol");
        var replicaC = await system.StartReplicaAsync();
        await using var carolOnC = await system.ConnectAsync(carolToken, edge: replicaC);
        await ScaleOutSystem.WaitForPresenceAsync(system.EdgeA, aliceToken, carol, online: true, TimeSpan.FromSeconds(10));

        await replicaC.KillAsync(); // no goodbye: only the TTL (3 s here) can tell

        var offline = await ScaleOutSystem.WaitForPresenceAsync(system.EdgeA, aliceToken, carol, online: false, TimeSpan.FromSeconds(20));
        Assert.NotEqual(JsonValueKind.Null, offline.GetProperty("lastSeen").ValueKind);
    }

    [Fact]
    public async Task Presence_answers_one_entry_per_name_asked_and_refuses_bad_queries()
    {
        var (alice, aliceToken) = await system.NewUserAsync("alice");
        var (bob, _) = await system.NewUserAsync("bob");

        var (status, body) = await ScaleOutSystem.PresenceAsync(system.EdgeA, aliceToken, $"{bob}, {alice.ToUpperInvariant()},{bob}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([bob, alice], body.GetProperty("presence").EnumerateArray().Select(p => Text(p, "username")));

        Assert.Equal(HttpStatusCode.Unauthorized, (await ScaleOutSystem.PresenceAsync(system.EdgeA, null, bob)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ScaleOutSystem.PresenceAsync(system.EdgeA, aliceToken, "")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ScaleOutSystem.PresenceAsync(system.EdgeA, aliceToken, "not a name!")).Status);
        var tooMany = string.Join(',', Enumerable.Range(0, 101).Select(i => $"user{i}"));
        Assert.Equal(HttpStatusCode.BadRequest, (await ScaleOutSystem.PresenceAsync(system.EdgeA, aliceToken, tooMany)).Status);
        var hundred = string.Join(',', Enumerable.Range(0, 100).Select(i => $"user{i}"));
        Assert.Equal(HttpStatusCode.OK, (await ScaleOutSystem.PresenceAsync(system.EdgeA, aliceToken, hundred)).Status);
    }
}

public sealed class OneRedisScaleOutTests(ScaleOutSystem system) : ScaleOutTests<ScaleOutSystem>(system);

public sealed class ClusterScaleOutTests(ClusterScaleOutSystem system) : ScaleOutTests<ClusterScaleOutSystem>(system);

using Chat.Edge.Presence;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// What every presence backend promises (IPresence; PROTOCOL.md, "Presence": a user is online
/// while they have a connection on any Edge replica, and last seen when the last one closed),
/// written once and run against each backend. A backend starts replicas that share one presence;
/// a single-process backend has one replica, so there "another replica" is the same one.
/// </summary>
public abstract class PresenceContract
{
    // Redis keeps last-seen times in whole milliseconds: the time read back may be up to one
    // millisecond before the moment it stands for.
    private static readonly TimeSpan Rounding = TimeSpan.FromMilliseconds(1);

    protected abstract Task<PresenceReplica> StartReplicaAsync();

    protected static string NewUser() => $"p{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task A_user_with_a_connection_is_online_on_every_replica()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        var bob = NewUser();

        await a.OpenAsync(bob);

        Assert.True((await a.OfAsync(bob)).Online);
        Assert.True((await b.OfAsync(bob)).Online);
    }

    [Fact]
    public async Task A_user_is_online_until_their_last_connection_anywhere_closes_and_is_last_seen_then()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        var bob = NewUser();
        var phone = await a.OpenAsync(bob);
        var laptop = await a.OpenAsync(bob);
        var tablet = await b.OpenAsync(bob);

        await a.CloseAsync(phone);
        Assert.True((await b.OfAsync(bob)).Online);
        await a.CloseAsync(laptop);
        Assert.True((await b.OfAsync(bob)).Online); // still connected on B

        var closing = DateTime.UtcNow;
        await b.CloseAsync(tablet);
        var closed = DateTime.UtcNow;

        var gone = await a.OfAsync(bob);
        Assert.False(gone.Online);
        Assert.NotNull(gone.LastSeen);
        Assert.InRange(gone.LastSeen.Value, closing - Rounding, closed);
    }

    [Fact]
    public async Task A_user_never_connected_is_offline_and_never_seen()
    {
        await using var a = await StartReplicaAsync();
        var nobody = NewUser();

        Assert.Equal(new UserPresence(nobody, Online: false, LastSeen: null), await a.OfAsync(nobody));
    }

    [Fact]
    public async Task Many_users_asked_at_once_are_answered_each_for_themselves_in_the_order_asked()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        var online = NewUser();
        var gone = NewUser();
        await b.OpenAsync(online);
        await b.CloseAsync(await b.OpenAsync(gone));
        // A hundred names, the most one request may ask about: on a cluster their keys span every
        // shard, so a read that asked for them all in one command would fail.
        string[] unknown = [.. Enumerable.Range(0, 98).Select(_ => NewUser())];
        string[] asked = [.. unknown[..50], online, .. unknown[50..], gone];

        var answer = await a.Presence.GetAsync(asked);

        Assert.Equal(asked, answer.Select(p => p.Username));
        Assert.All(answer.Where(p => unknown.Contains(p.Username)), p => Assert.Equal(new UserPresence(p.Username, false, null), p));
        Assert.True(answer[50].Online);
        Assert.False(answer[^1].Online);
        Assert.NotNull(answer[^1].LastSeen);
    }

    [Fact]
    public async Task Users_connecting_and_leaving_together_on_every_replica_each_end_as_they_did()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        string[] users = [.. Enumerable.Range(0, 40).Select(_ => NewUser())];
        PresenceReplica On(int i) => i % 2 == 0 ? a : b;

        var connections = await Task.WhenAll(users.Select((user, i) => On(i).OpenAsync(user)));
        Assert.All(await a.Presence.GetAsync(users), p => Assert.True(p.Online, $"{p.Username} online"));

        // Every third user leaves; the others stay.
        var leaving = DateTime.UtcNow;
        await Task.WhenAll(connections.Select((connection, i) => i % 3 == 0 ? On(i).CloseAsync(connection) : Task.CompletedTask));

        var answer = await b.Presence.GetAsync(users);
        for (var i = 0; i < users.Length; i++)
        {
            Assert.Equal(i % 3 != 0, answer[i].Online);
            if (i % 3 == 0)
            {
                Assert.NotNull(answer[i].LastSeen);
                Assert.True(answer[i].LastSeen >= leaving - Rounding, $"{users[i]} last seen at {answer[i].LastSeen:O}, before leaving at {leaving:O}");
            }
        }
    }

    [Fact]
    public async Task A_user_who_comes_back_is_online_again_and_then_last_seen_at_their_latest_leaving()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        var bob = NewUser();
        await a.CloseAsync(await a.OpenAsync(bob));
        var firstLeft = (await b.OfAsync(bob)).LastSeen;

        var again = await b.OpenAsync(bob);
        Assert.True((await a.OfAsync(bob)).Online);

        var leaving = DateTime.UtcNow;
        await b.CloseAsync(again);
        var gone = await a.OfAsync(bob);
        Assert.False(gone.Online);
        Assert.NotNull(firstLeft);
        Assert.NotNull(gone.LastSeen);
        Assert.True(gone.LastSeen >= leaving - Rounding && gone.LastSeen >= firstLeft,
            $"last seen {gone.LastSeen:O}: not the latest leaving ({leaving:O}; the first was {firstLeft:O})");
    }

    [Fact]
    public async Task A_connection_opened_while_the_last_one_closes_keeps_the_user_online()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        var bob = NewUser();
        var old = await a.OpenAsync(bob);

        // The Edge's two halves interleaved: the registry lets go of the last connection, a new
        // one registers as the first and reports, and only then does the old one's report arrive.
        Assert.True(a.Local.Close(old));
        Assert.True(a.Local.Open(bob).First);
        await a.Presence.ConnectedAsync(bob);
        await a.Presence.DisconnectedAsync(bob);

        Assert.True((await b.OfAsync(bob)).Online);
        Assert.True((await a.OfAsync(bob)).Online);
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>Presence of one Edge without Redis: its own connections are the whole truth.</summary>
public sealed class SingleReplicaPresenceTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    // The [LoggerMessage] event id of the Edge's "{User} disconnected", its last word on a connection.
    private const int Disconnected = 111;

    [Fact]
    public async Task A_user_is_online_while_connected_and_last_seen_when_the_last_connection_closed()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        var first = await system.ConnectAsync(bobToken);
        var second = await system.ConnectAsync(bobToken);
        await ScaleOutSystem.WaitForPresenceAsync(system.Edge, aliceToken, bob, online: true, TimeSpan.FromSeconds(10));

        await first.DisposeAsync();
        // The Edge is done with that connection (presence told) once it logs its end.
        await system.Edge.Process.WaitForOutputAsync(
            new Regex($"\"EventId\":{Disconnected},.*\"User\":\"{Regex.Escape(bob)}\""), TimeSpan.FromSeconds(10));
        Assert.True((await ScaleOutSystem.PresenceOfAsync(system.Edge, aliceToken, bob)).GetProperty("online").GetBoolean());

        await second.DisposeAsync();
        var offline = await ScaleOutSystem.WaitForPresenceAsync(system.Edge, aliceToken, bob, online: false, TimeSpan.FromSeconds(10));
        Assert.Equal(JsonValueKind.String, offline.GetProperty("lastSeen").ValueKind);
    }
}

using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Chat.Contracts.User.V1;
using Chat.IntegrationTests.Realtime;
using Chat.IntegrationTests.ScaleOut;
using Grpc.Net.Client;

namespace Chat.IntegrationTests.Accounts;

/// <summary>
/// When a session ends, every WebSocket of it closes with 1008 "session ended" within 5 s, on
/// every replica, however it ended; the user's other sessions stay connected.
/// </summary>
public sealed class SessionEndTests(ScaleOutSystem system) : IClassFixture<ScaleOutSystem>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    private async Task<string> LoginAsync(string username)
    {
        using var http = new HttpClient { BaseAddress = system.Edge.Address };
        var login = await http.PostAsJsonAsync("/api/auth/login", new { username, password = "correct horse battery" });
        login.EnsureSuccessStatusCode();
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    [Fact]
    public async Task Logout_on_one_replica_closes_that_sessions_websockets_on_both_and_no_other()
    {
        var (alice, phone) = await system.NewUserAsync("alice");
        var laptop = await LoginAsync(alice);
        await using var phoneOnA = await system.ConnectAsync(phone, edge: system.EdgeA);
        await using var phoneOnB = await system.ConnectAsync(phone, edge: system.EdgeB);
        await using var laptopOnB = await system.ConnectAsync(laptop, edge: system.EdgeB);

        using var http = new HttpClient { BaseAddress = system.EdgeA.Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", phone);
        var clock = Stopwatch.StartNew();
        (await http.PostAsync("/api/auth/logout", null)).EnsureSuccessStatusCode();

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await phoneOnA.ReceiveCloseAsync(Bound));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await phoneOnB.ReceiveCloseAsync(Bound));
        Assert.True(clock.Elapsed < Bound, $"closed after {clock.Elapsed}");
        Assert.Equal("session ended", phoneOnA.CloseDescription);
        Assert.Equal("session ended", phoneOnB.CloseDescription);
        // The laptop's session goes on: it still sends and is answered.
        var (bob, _) = await system.NewUserAsync("bob");
        await laptopOnB.SendTextAsync($"{bob} still here");
        await laptopOnB.ExpectAsync("sent");
    }

    [Fact]
    public async Task A_session_an_operator_revokes_over_grpc_closes_too()
    {
        var (_, token) = await system.NewUserAsync("carol");
        await using var socket = await system.ConnectAsync(token, edge: system.EdgeB);
        using var channel = GrpcChannel.ForAddress(system.Users.Address);
        var users = new Chat.Contracts.User.V1.UserService.UserServiceClient(channel);
        var session = (await users.ListSessionsAsync(new ListSessionsRequest { AccessToken = token })).Sessions.Single(s => s.Current);

        // No Edge takes part: the session ends in UserService alone.
        await users.RevokeSessionAsync(new RevokeSessionRequest { AccessToken = token, SessionId = session.Id });

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await socket.ReceiveCloseAsync(Bound));
        Assert.Equal("session ended", socket.CloseDescription);
    }
}

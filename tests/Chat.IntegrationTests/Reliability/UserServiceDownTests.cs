using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Chat.IntegrationTests.Infrastructure;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.Reliability;

/// <summary>A system of its own: this test kills its UserService.</summary>
public sealed class UserServiceDownChatSystem : ChatSystem;

public sealed class UserServiceDownTests(UserServiceDownChatSystem system) : IClassFixture<UserServiceDownChatSystem>
{
    [Fact]
    public async Task Existing_connections_keep_chatting_and_new_connections_and_api_requests_get_503_not_401()
    {
        var (alice, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        var (_, carolToken) = await system.NewUserAsync("carol");
        await using var a = await system.ConnectAsync(aliceToken);
        await using var b = await system.ConnectAsync(bobToken);
        await a.SendTextAsync($"{bob} warming the recipient cache");
        await a.ExpectAsync("sent");
        await b.ExpectAsync("message");
        await b.SendTextAsync($"{alice} and back");
        await b.ExpectAsync("sent");
        await a.ExpectAsync("message");

        await system.Users.KillAsync();

        await a.SendTextAsync($"{bob} still here");
        await a.ExpectAsync("sent");
        Assert.Equal("still here", (await b.ExpectAsync("message")).GetProperty("text").GetString());
        await b.SendTextAsync($"{alice} me too");
        await b.ExpectAsync("sent");
        await a.ExpectAsync("message");

        var ws = new Uri($"ws://{system.Edge.Address.Authority}/ws");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await ChatClient.RefusedStatusAsync(ws, $"Bearer {carolToken}"));
        AssertTokensUncheckable(await RawHttp.SendAsync(system.Edge.Address, "GET", "/ws", headers:
            ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", $"Authorization: Bearer {carolToken}"]));
        AssertTokensUncheckable(await RawHttp.SendAsync(system.Edge.Address, "GET", "/api/conversations", headers: [$"Authorization: Bearer {carolToken}"]));
        Assert.Equal(WebSocketState.Open, a.Socket.State);
    }

    /// <summary>The 503 of a token UserService cannot check: no challenge, since the token may be valid.</summary>
    private static void AssertTokensUncheckable(RawHttp.Answer answer)
    {
        Assert.Equal(503, answer.Status);
        Assert.Null(answer.Header("WWW-Authenticate"));
        Assert.StartsWith("application/problem+json", answer.Header("Content-Type"), StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(answer.Body);
        Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("Tokens cannot be checked right now; try again shortly.", problem.RootElement.GetProperty("detail").GetString());
    }
}

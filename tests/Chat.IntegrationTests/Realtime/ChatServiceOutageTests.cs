using System.Net.WebSockets;
using System.Text.Json;

namespace Chat.IntegrationTests.Realtime;

/// <summary>A system of its own: these tests kill its ChatService.</summary>
public sealed class OutageChatSystem : ChatSystem
{
    public OutageChatSystem()
    {
        // Short calls, so the outage shows soon; as long as the three 1 s attempts a store had
        // before its retries moved into the call (IdempotentRetries), whose one deadline they share.
        EdgeSettings["Services__CallTimeout"] = "00:00:03";
    }
}

public sealed class ChatServiceOutageTests(OutageChatSystem system) : IClassFixture<OutageChatSystem>
{
    private static string Text(JsonElement frame, string property) => frame.GetProperty(property).GetString()!;

    [Fact]
    public async Task While_ChatService_is_down_sends_get_unavailable_and_the_connection_stays()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        // A 503 before ChatService is warm is the contract's "try again" (this system's calls have 3 s).
        await using var a = await ChatClient.ConnectRetryingUnavailableAsync(system.Edge.Address, aliceToken);
        await using var b = await ChatClient.ConnectRetryingUnavailableAsync(system.Edge.Address, bobToken);
        // So is an `unavailable` while its first store is slow: the client sends again, with the same clientId.
        for (var attempt = 1; ; attempt++)
        {
            await a.SendJsonAsync(new { type = "send", to = bob, text = "before", clientId = "b-1" });
            var first = await a.ReceiveAsync(TimeSpan.FromSeconds(30));
            if (Text(first, "type") == "sent" || attempt == 5)
            {
                Assert.Equal("sent", Text(first, "type"));
                break;
            }
            Assert.Equal("unavailable", Text(first, "code"));
        }
        Assert.Equal("before", Text(await b.ExpectAsync("message"), "text"));

        await system.KillChatServiceAsync();
        await a.SendJsonAsync(new { type = "send", to = bob, text = "during", clientId = "d-1" });
        var error = await a.ExpectAsync("error", TimeSpan.FromSeconds(30));
        Assert.Equal("unavailable", Text(error, "code"));
        Assert.Equal("d-1", Text(error, "clientId"));
        await b.ExpectSilenceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(WebSocketState.Open, a.Socket.State);
        // A new connection cannot learn where to start: refused within a call's time, not held open.
        var ws = new Uri($"ws://{system.Edge.Address.Authority}/ws");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, await ChatClient.RefusedStatusAsync(ws, $"Bearer {bobToken}"));

        await system.RestartChatServiceAsync();
        // Back within seconds; until the Edge reconnects the client retries with the same clientId.
        System.Text.Json.JsonElement answer = default;
        for (var attempt = 0; attempt < 15; attempt++)
        {
            await a.SendJsonAsync(new { type = "send", to = bob, text = "after", clientId = "d-2" });
            answer = await a.ReceiveAsync(TimeSpan.FromSeconds(30));
            if (Text(answer, "type") == "sent")
            {
                break;
            }
            Assert.Equal("unavailable", Text(answer, "code"));
            // A client's pause between retries, as the contract asks after `unavailable` (and
            // within the rate limit); nothing is awaited: the retry itself is what is tested.
            await Task.Delay(1000);
        }
        Assert.Equal("sent", Text(answer, "type"));
        Assert.Equal("d-2", Text(answer, "clientId"));
        var message = await b.ExpectAsync("message", TimeSpan.FromSeconds(30));
        Assert.Equal("after", Text(message, "text")); // "during" was never stored, so never delivered
        await b.ExpectSilenceAsync(TimeSpan.FromMilliseconds(500)); // and the retries stored one message
    }
}

/// <summary>Tokens that live four seconds.</summary>
public sealed class ShortTokenChatSystem : ChatSystem
{
    public ShortTokenChatSystem()
    {
        UserSettings["Jwt__Lifetime"] = "00:00:04";
    }
}

public sealed class TokenExpiryTests(ShortTokenChatSystem system) : IClassFixture<ShortTokenChatSystem>
{
    [Fact]
    public async Task The_connection_closes_with_1008_when_its_token_expires()
    {
        var (_, token) = await system.NewUserAsync("alice");
        await using var a = await system.ConnectAsync(token);
        var started = DateTime.UtcNow;
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await a.ReceiveCloseAsync(TimeSpan.FromSeconds(20)));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
    }
}

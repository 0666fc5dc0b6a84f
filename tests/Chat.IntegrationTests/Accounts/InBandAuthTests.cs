using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.Accounts;

/// <summary>Access tokens of 4 s: every token is "about to expire", so each step is an event to wait on.</summary>
public sealed class ShortTokenSystem : ChatSystem
{
    public ShortTokenSystem()
    {
        UserSettings["Jwt__Lifetime"] = "00:00:04";
    }
}

/// <summary>
/// The socket outlives its first token: the server warns with <c>expiring</c>, the client sends a
/// newer token of the same user in an <c>auth</c> frame, and the connection lives to that one's expiry.
/// </summary>
public sealed class InBandAuthTests(ShortTokenSystem system) : IClassFixture<ShortTokenSystem>
{
    private const string Password = "correct horse battery";

    private async Task<(string Name, JsonElement Pair)> RegisterAndLoginAsync()
    {
        using var http = new HttpClient { BaseAddress = system.Edge.Address };
        var name = $"t{Guid.NewGuid():N}"[..16];
        (await http.PostAsJsonAsync("/api/auth/register", new { username = name, password = Password })).EnsureSuccessStatusCode();
        var login = await http.PostAsJsonAsync("/api/auth/login", new { username = name, password = Password });
        login.EnsureSuccessStatusCode();
        return (name, await login.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>
    /// A new access token that expires at least two seconds after the pair's: tokens expire in whole
    /// seconds, so refreshes within the login's second give the same expiry; each refresh rotates
    /// the pair. One second later was not enough: on a loaded CI machine the renewed connection's
    /// send after the first token's expiry came after its own second token had expired too.
    /// </summary>
    private async Task<string> LaterTokenAsync(JsonElement pair)
    {
        using var http = new HttpClient { BaseAddress = system.Edge.Address };
        var first = Expiry(Access(pair));
        while (true)
        {
            var refreshed = await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = pair.GetProperty("refreshToken").GetString() });
            refreshed.EnsureSuccessStatusCode();
            pair = await refreshed.Content.ReadFromJsonAsync<JsonElement>();
            if (Expiry(Access(pair)) >= first + 2)
            {
                return Access(pair);
            }
        }
    }

    private static long Expiry(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        var json = Convert.FromBase64String(payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '='));
        return JsonDocument.Parse(json).RootElement.GetProperty("exp").GetInt64();
    }

    private static string Access(JsonElement pair) => pair.GetProperty("accessToken").GetString()!;

    [Fact]
    public async Task A_renewed_connection_outlives_its_first_token_and_ends_with_the_second()
    {
        var (_, pair) = await RegisterAndLoginAsync();
        var (bob, _) = await RegisterAndLoginAsync();
        await using var renewed = await system.ConnectAsync(Access(pair));
        await using var notRenewed = await system.ConnectAsync(Access(pair));
        var warning = await renewed.ExpectAsync("expiring");
        Assert.InRange(warning.GetProperty("in").GetInt32(), 0, 4); // under 60 s left: warned at once

        await renewed.SendJsonAsync(new { type = "auth", token = await LaterTokenAsync(pair) });
        await renewed.ExpectAsync("expiring"); // the newer token is under 60 s too: warned again, so it was taken

        // The first token's expiry: the connection that kept it is closed...
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await notRenewed.ReceiveCloseAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("token expired", notRenewed.CloseDescription);
        // ...the renewed one still sends, and closes at the second token's expiry.
        await renewed.SendTextAsync($"{bob} after the first expiry");
        await renewed.ExpectAsync("sent");
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await renewed.ReceiveCloseAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("token expired", renewed.CloseDescription);
    }

    [Fact]
    public async Task Another_users_token_or_a_forged_one_is_forbidden_and_changes_nothing()
    {
        // Mallory first: alice's four seconds start after the slow part (a sign-up hashes a
        // password), which on a busy CI machine once outlasted them. Mallory's token may expire
        // meanwhile: expired or not, another user's token is forbidden.
        var (_, mallory) = await RegisterAndLoginAsync();
        var (_, alice) = await RegisterAndLoginAsync();
        await using var socket = await system.ConnectAsync(Access(alice));
        await socket.ExpectAsync("expiring");

        await socket.SendJsonAsync(new { type = "auth", token = Access(mallory) });
        var other = await socket.ExpectAsync("error");
        await socket.SendJsonAsync(new { type = "auth", token = "not.a.token" });
        var forged = await socket.ExpectAsync("error");
        await socket.SendJsonAsync(new { type = "auth" });
        var missing = await socket.ExpectAsync("error");

        Assert.Equal("forbidden", other.GetProperty("code").GetString());
        Assert.Equal("forbidden", forged.GetProperty("code").GetString());
        Assert.Equal("invalid_frame", missing.GetProperty("code").GetString());
        // Still on alice's first token: closed at its expiry.
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await socket.ReceiveCloseAsync(TimeSpan.FromSeconds(10)));
    }
}

using System.Net;
using System.Net.Http.Json;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.Reliability;

/// <summary>Refusals at the door: bad tokens and floods of unauthenticated upgrades.</summary>
public sealed class AbuseTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    private Uri Ws => new($"ws://{system.Edge.Address.Authority}/ws");

    [Fact]
    public async Task Huge_truncated_and_foreign_tokens_are_refused_before_the_upgrade()
    {
        var (_, token) = await system.NewUserAsync("tok");
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatClient.RefusedStatusAsync(Ws, "Bearer " + new string('a', 9000)));
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatClient.RefusedStatusAsync(Ws, "Bearer " + token[..^10]));
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatClient.RefusedStatusAsync(Ws, "Bearer " + token.Split('.')[0] + ".e30."));
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatClient.RefusedStatusAsync(new Uri(Ws + "?access_token=" + new string('b', 100))));
        await using var good = await system.ConnectAsync(token); // the control: the real token works
    }

    [Fact]
    public async Task A_thousand_upgrades_without_a_token_are_all_refused_and_the_edge_keeps_serving()
    {
        using var http = new HttpClient { BaseAddress = system.Edge.Address };
        var statuses = new List<HttpStatusCode>();
        for (var batch = 0; batch < 10; batch++)
        {
            statuses.AddRange(await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => ChatClient.RefusedStatusAsync(Ws))));
        }
        Assert.Equal(1000, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        var (_, token) = await system.NewUserAsync("after");
        await using var client = await system.ConnectAsync(token);
    }
}

public sealed class ResumeCursorTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    [Fact]
    public async Task A_malformed_after_is_refused_with_400_before_the_upgrade()
    {
        var (_, token) = await system.NewUserAsync("cur");
        foreach (var after in new[] { "drop%20table", new string('1', 21), "99999999999999999999", "-1" })
        {
            // 21 digits and 2^64-ish are digits, but not ids ChatService can read: refused here,
            // not accepted and then closed with 1011 when the first sync is refused.
            var ws = new Uri($"ws://{system.Edge.Address.Authority}/ws?after={after}");
            Assert.Equal(HttpStatusCode.BadRequest, await ChatClient.RefusedStatusAsync(ws, $"Bearer {token}"));
        }
    }

    [Fact]
    public async Task A_short_after_means_the_same_id_written_in_full()
    {
        var (_, aliceToken) = await system.NewUserAsync("cur");
        var (bob, bobToken) = await system.NewUserAsync("cur");
        await using var alice = await system.ConnectAsync(aliceToken);
        await alice.SendTextAsync($"{bob} after one");
        var id = (await alice.ExpectAsync("sent")).GetProperty("id").GetString()!;

        // "1" is id 1, before every real id: the resumed stream holds the message, once.
        await using var bobFromOne = await system.ConnectAsync(bobToken, after: "1");
        Assert.Equal(id, (await bobFromOne.ExpectAsync("message")).GetProperty("id").GetString());
        await bobFromOne.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300));
    }
}

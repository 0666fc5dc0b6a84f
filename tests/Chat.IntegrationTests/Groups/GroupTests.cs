using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.IntegrationTests.Realtime;
using Chat.IntegrationTests.ScaleOut;

namespace Chat.IntegrationTests.Groups;

/// <summary>Groups, receipts, typing and the conversation list, across two real Edge replicas.</summary>
public sealed class GroupTests(ScaleOutSystem system) : IClassFixture<ScaleOutSystem>
{
    private static string Text(JsonElement frame, string property) => frame.GetProperty(property).GetString()!;

    /// <summary>
    /// The sender is a member, so its connection gets the message too: normally right after
    /// <c>sent</c>, or just before it when the connection's first catch-up read it from the store.
    /// </summary>
    private static async Task<JsonElement> SentAndOwnCopy(ChatClient sender)
    {
        var frames = new[] { await sender.ReceiveAsync(), await sender.ReceiveAsync() };
        var sent = Assert.Single(frames, f => Text(f, "type") == "sent");
        var copy = Assert.Single(frames, f => Text(f, "type") == "message");
        Assert.Equal(Text(sent, "id"), Text(copy, "id"));
        return sent;
    }

    private HttpClient Http(string token, bool onB = false)
    {
        var http = new HttpClient { BaseAddress = (onB ? system.EdgeB : system.EdgeA).Address };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return http;
    }

    private async Task<string> CreateGroup(string ownerToken, string name, params string[] members)
    {
        using var http = Http(ownerToken);
        var response = await http.PostAsJsonAsync("/api/groups", new { name, members });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var group = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(name, Text(group, "name"));
        return Text(group, "id");
    }

    [Fact]
    public async Task A_group_name_or_member_with_NUL_or_a_lone_surrogate_is_400_and_creates_nothing()
    {
        var alice = await system.NewUserAsync("alice");
        var bob = await system.NewUserAsync("bob");
        using var http = Http(alice.Token);

        foreach (var body in new[]
        {
            $$"""{"name":"week\u0000end","members":["{{bob.Username}}"]}""",
            $$"""{"name":"week\ud800end","members":["{{bob.Username}}"]}""",
            """{"name":"weekend","members":["b\u0000b"]}""",
        })
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("/api/groups", content);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        var mine = await http.GetFromJsonAsync<JsonElement>("/api/groups");
        Assert.Empty(mine.GetProperty("groups").EnumerateArray());
    }

    [Fact]
    public async Task A_group_message_reaches_every_member_on_both_replicas_and_an_offline_member_catches_up_in_order()
    {
        var alice = await system.NewUserAsync("alice");
        var bob = await system.NewUserAsync("bob");
        var carol = await system.NewUserAsync("carol");
        var group = await CreateGroup(alice.Token, "trio", bob.Username, carol.Username);

        await using var a1 = await system.ConnectAsync(alice.Token, edge: system.EdgeA);
        await using var a2 = await system.ConnectAsync(alice.Token, edge: system.EdgeB);
        await using var b = await system.ConnectAsync(bob.Token, edge: system.EdgeB);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await a1.SendJsonAsync(new { type = "send", group, text = $"g{i}", clientId = $"g-{i}" });
            var sent = await SentAndOwnCopy(a1);
            Assert.Equal(group, Text(sent, "group"));
            ids.Add(Text(sent, "id"));
        }
        // A retry with the same clientId stores nothing new.
        await a1.SendJsonAsync(new { type = "send", group, text = "g2", clientId = "g-2" });
        Assert.Equal(ids[2], Text(await a1.ExpectAsync("sent"), "id"));

        foreach (var client in new[] { b, a2 })
        {
            foreach (var id in ids)
            {
                var message = await client.ExpectAsync("message");
                Assert.Equal(id, Text(message, "id"));
                Assert.Equal(group, Text(message, "group"));
                Assert.Equal(alice.Username, Text(message, "from"));
            }
        }

        // carol was offline: she gets them on connect, in order, once.
        await using var c = await system.ConnectAsync(carol.Token, edge: system.EdgeA);
        foreach (var id in ids)
        {
            Assert.Equal(id, Text(await c.ExpectAsync("message"), "id"));
        }
        await c.ExpectSilenceAsync(TimeSpan.FromMilliseconds(500));
        await b.ExpectSilenceAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_non_member_learns_nothing_and_a_removed_member_stops_receiving_at_once()
    {
        var alice = await system.NewUserAsync("alice");
        var bob = await system.NewUserAsync("bob");
        var eve = await system.NewUserAsync("eve");
        var group = await CreateGroup(alice.Token, "private", bob.Username);

        using (var http = Http(eve.Token))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"/api/messages?group={group}")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsJsonAsync($"/api/groups/{group}/members", new { username = eve.Username })).StatusCode);
            var mine = await http.GetFromJsonAsync<JsonElement>("/api/groups");
            Assert.Empty(mine.GetProperty("groups").EnumerateArray());
        }
        await using (var e = await system.ConnectAsync(eve.Token))
        {
            await e.SendJsonAsync(new { type = "send", group, text = "let me in" });
            Assert.Equal("forbidden", Text(await e.ExpectAsync("error"), "code"));
            await e.SendJsonAsync(new { type = "typing", group });
            Assert.Equal("forbidden", Text(await e.ExpectAsync("error"), "code"));
            await e.SendJsonAsync(new { type = "read", group, upTo = "00000000000000000001" });
            Assert.Equal("forbidden", Text(await e.ExpectAsync("error"), "code"));
        }

        await using var a = await system.ConnectAsync(alice.Token, edge: system.EdgeA);
        await using var b = await system.ConnectAsync(bob.Token, edge: system.EdgeB);
        await a.SendJsonAsync(new { type = "send", group, text = "before" });
        await SentAndOwnCopy(a);
        Assert.Equal("before", Text(await b.ExpectAsync("message"), "text"));

        using (var http = Http(alice.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/groups/{group}/members/{bob.Username}")).StatusCode);
        }
        await a.SendJsonAsync(new { type = "send", group, text = "after" });
        await a.ExpectAsync("sent");
        await b.ExpectSilenceAsync(TimeSpan.FromSeconds(1));
        await b.SendJsonAsync(new { type = "send", group, text = "can I still?" });
        Assert.Equal("forbidden", Text(await b.ExpectAsync("error"), "code"));
    }

    [Fact]
    public async Task Group_history_pages_newest_first()
    {
        var alice = await system.NewUserAsync("alice");
        var bob = await system.NewUserAsync("bob");
        var group = await CreateGroup(alice.Token, "history", bob.Username);
        await using var a = await system.ConnectAsync(alice.Token);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            await a.SendJsonAsync(new { type = "send", group, text = $"h{i}" });
            ids.Add(Text(await SentAndOwnCopy(a), "id"));
        }
        using var http = Http(bob.Token, onB: true);
        var page = await http.GetFromJsonAsync<JsonElement>($"/api/messages?group={group}&limit=3");
        Assert.Equal([ids[4], ids[3], ids[2]], page.GetProperty("messages").EnumerateArray().Select(m => Text(m, "id")));
        var older = await http.GetFromJsonAsync<JsonElement>($"/api/messages?group={group}&limit=3&before={Text(page, "nextBefore")}");
        Assert.Equal([ids[1], ids[0]], older.GetProperty("messages").EnumerateArray().Select(m => Text(m, "id")));
    }

    [Fact]
    public async Task Read_marks_only_move_forward_reach_the_right_connections_and_set_unread_counts()
    {
        var alice = await system.NewUserAsync("alice");
        var bob = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(alice.Token, edge: system.EdgeA);
        await using var b1 = await system.ConnectAsync(bob.Token, edge: system.EdgeA);
        await using var b2 = await system.ConnectAsync(bob.Token, edge: system.EdgeB);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await a.SendTextAsync($"{bob.Username} m{i}");
            ids.Add(Text(await a.ExpectAsync("sent"), "id"));
        }
        for (var i = 0; i < 3; i++)
        {
            await b1.ExpectAsync("message");
            await b2.ExpectAsync("message");
        }
        using var bobHttp = Http(bob.Token);
        async Task<JsonElement> ConversationWithAlice() =>
            (await bobHttp.GetFromJsonAsync<JsonElement>("/api/conversations")).GetProperty("conversations").EnumerateArray()
                .Single(c => c.TryGetProperty("with", out var w) && w.GetString() == alice.Username);
        Assert.Equal(3, (await ConversationWithAlice()).GetProperty("unread").GetInt64());
        Assert.Equal("m2", Text((await ConversationWithAlice()).GetProperty("lastMessage"), "text"));

        await b1.SendJsonAsync(new { type = "read", with = alice.Username, upTo = ids[1] });
        var atAlice = await a.ExpectAsync("read");
        Assert.Equal((bob.Username, bob.Username, ids[1]), (Text(atAlice, "by"), Text(atAlice, "with"), Text(atAlice, "upTo")));
        var atBobsOther = await b2.ExpectAsync("read");
        Assert.Equal((bob.Username, alice.Username, ids[1]), (Text(atBobsOther, "by"), Text(atBobsOther, "with"), Text(atBobsOther, "upTo")));
        Assert.Equal(1, (await ConversationWithAlice()).GetProperty("unread").GetInt64());
        Assert.Equal(ids[1], Text(await ConversationWithAlice(), "readUpTo"));

        // Backwards: nothing changes, nobody is told.
        await b1.SendJsonAsync(new { type = "read", with = alice.Username, upTo = ids[0] });
        await a.ExpectSilenceAsync(TimeSpan.FromMilliseconds(500));
        Assert.Equal(ids[1], Text(await ConversationWithAlice(), "readUpTo"));

        // After a reconnect the counts are the same.
        await b1.DisposeAsync();
        await using var b3 = await system.ConnectAsync(bob.Token, edge: system.EdgeB);
        Assert.Equal(1, (await ConversationWithAlice()).GetProperty("unread").GetInt64());
    }

    [Fact]
    public async Task Typing_is_forwarded_live_coalesced_and_never_stored()
    {
        var alice = await system.NewUserAsync("alice");
        var bob = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(alice.Token, edge: system.EdgeA);
        await using var b = await system.ConnectAsync(bob.Token, edge: system.EdgeB);
        for (var i = 0; i < 5; i++)
        {
            await a.SendJsonAsync(new { type = "typing", to = bob.Username });
        }
        var typing = await b.ExpectAsync("typing");
        Assert.Equal((alice.Username, bob.Username), (Text(typing, "from"), Text(typing, "to")));
        await b.ExpectSilenceAsync(TimeSpan.FromMilliseconds(700)); // four more within 2 s: coalesced
        await a.ExpectSilenceAsync(TimeSpan.FromMilliseconds(100)); // and never acknowledged

        await b.DisposeAsync();
        await using var again = await system.ConnectAsync(bob.Token, edge: system.EdgeA);
        await again.ExpectSilenceAsync(TimeSpan.FromMilliseconds(500)); // nothing stored to catch up on
        using var http = Http(bob.Token);
        var history = await http.GetFromJsonAsync<JsonElement>($"/api/messages?with={alice.Username}");
        Assert.Empty(history.GetProperty("messages").EnumerateArray());
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Realtime;

/// <summary>The WebSocket contract, against a real Edge, UserService, ChatService and Postgres.</summary>
public sealed class WebSocketTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    private static string Text(JsonElement frame, string property) => frame.GetProperty(property).GetString()!;

    [Fact]
    public async Task The_upgrade_is_refused_with_401_without_a_valid_token()
    {
        var ws = new Uri($"ws://{system.Edge.Address.Authority}/ws");
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatClient.RefusedStatusAsync(ws));
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatClient.RefusedStatusAsync(ws, "Bearer not-a-token"));
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatClient.RefusedStatusAsync(new Uri(ws + "?user_id=alice")));
    }

    [Fact]
    public async Task A_message_in_the_seed_form_is_acknowledged_then_delivered()
    {
        var (alice, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(aliceToken);
        await using var b = await system.ConnectAsync(bobToken);

        await a.SendTextAsync($"{bob} hello bob, how are you?");

        var sent = await a.ExpectAsync("sent");
        Assert.Equal(JsonValueKind.Null, sent.GetProperty("clientId").ValueKind);
        Assert.Equal(bob, Text(sent, "to"));
        var message = await b.ExpectAsync("message");
        Assert.Equal(Text(sent, "id"), Text(message, "id"));
        Assert.Equal(alice, Text(message, "from"));
        Assert.Equal(bob, Text(message, "to"));
        Assert.Equal("hello bob, how are you?", Text(message, "text"));
        Assert.Equal(Text(sent, "sentAt"), Text(message, "sentAt"));
        Assert.EndsWith("Z", Text(message, "sentAt"));
    }

    [Fact]
    public async Task A_retry_with_the_same_client_id_gets_the_first_sent_and_delivers_once()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(aliceToken);
        await using var b = await system.ConnectAsync(bobToken);

        await a.SendJsonAsync(new { type = "send", to = bob, text = "once", clientId = "c-17" });
        var first = await a.ExpectAsync("sent");
        await a.SendJsonAsync(new { type = "send", to = bob, text = "once", clientId = "c-17" });
        var second = await a.ExpectAsync("sent");

        Assert.Equal("c-17", Text(first, "clientId"));
        Assert.Equal(Text(first, "id"), Text(second, "id"));
        Assert.Equal(Text(first, "id"), Text(await b.ExpectAsync("message"), "id"));
        await b.ExpectSilenceAsync(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task Every_connection_of_the_recipient_gets_the_message()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(aliceToken);
        await using var b1 = await system.ConnectAsync(bobToken);
        await using var b2 = await system.ConnectAsync(bobToken);

        await a.SendTextAsync($"{bob} to both of you");
        var id = Text(await a.ExpectAsync("sent"), "id");

        Assert.Equal(id, Text(await b1.ExpectAsync("message"), "id"));
        Assert.Equal(id, Text(await b2.ExpectAsync("message"), "id"));
    }

    [Fact]
    public async Task Offline_messages_arrive_in_order_on_connect_and_only_once()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(aliceToken);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            await a.SendTextAsync($"{bob} offline {i}");
            ids.Add(Text(await a.ExpectAsync("sent"), "id"));
        }

        await using (var b = await system.ConnectAsync(bobToken))
        {
            for (var i = 0; i < 5; i++)
            {
                var message = await b.ExpectAsync("message");
                Assert.Equal(ids[i], Text(message, "id"));
                Assert.Equal($"offline {i}", Text(message, "text"));
            }
            await a.SendTextAsync($"{bob} live");
            Assert.Equal("live", Text(await b.ExpectAsync("message"), "text"));
        }

        // Delivered is remembered: once the Edge has written bob's mark (flushed when his
        // connection closed, a call nobody can watch), a connection without ?after starts after them.
        await Eventually.TrueAsync(async () =>
        {
            await using var again = await system.ConnectAsync(bobToken);
            return await again.TryReceiveAsync(TimeSpan.FromMilliseconds(700)) is null;
        }, "a new connection of bob's that gets nothing he was already given");
    }

    [Fact]
    public async Task Resuming_with_after_gets_everything_after_that_id_and_nothing_before()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(aliceToken);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            await a.SendTextAsync($"{bob} m{i}");
            ids.Add(Text(await a.ExpectAsync("sent"), "id"));
        }

        await using var b = await system.ConnectAsync(bobToken, after: ids[1]);
        Assert.Equal(ids[2], Text(await b.ExpectAsync("message"), "id"));
        Assert.Equal(ids[3], Text(await b.ExpectAsync("message"), "id"));
        await b.ExpectSilenceAsync(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task Ids_are_fixed_width_and_order_the_messages_of_a_conversation_both_ways()
    {
        var (alice, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(aliceToken);
        await using var b = await system.ConnectAsync(bobToken);
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var (from, to) = i % 2 == 0 ? (a, bob) : (b, alice);
            await from.SendTextAsync($"{to} turn {i}");
            ids.Add(Text(await from.ExpectAsync("sent"), "id"));
            await (i % 2 == 0 ? b : a).ExpectAsync("message");
        }
        Assert.All(ids, id => Assert.Equal(ids[0].Length, id.Length));
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Errors_answer_one_frame_and_keep_the_connection()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, _) = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(aliceToken);

        async Task ExpectError(string code, Func<Task> send, string? clientId = null)
        {
            await send();
            var error = await a.ExpectAsync("error");
            Assert.Equal(code, Text(error, "code"));
            Assert.False(string.IsNullOrWhiteSpace(Text(error, "message")));
            if (clientId is not null)
            {
                Assert.Equal(clientId, Text(error, "clientId"));
            }
        }

        await ExpectError("unknown_recipient", () => a.SendTextAsync("nobody-by-this-name hi"));
        await ExpectError("unknown_recipient", () => a.SendJsonAsync(new { type = "send", to = "x!", text = "hi", clientId = "k1" }), "k1");
        await ExpectError("invalid_frame", () => a.SendTextAsync("{\"type\":\"send\","));
        await ExpectError("invalid_frame", () => a.SendJsonAsync(new { type = "send", to = bob, text = "", clientId = "k2" }), "k2");
        await ExpectError("invalid_frame", () => a.SendTextAsync("justoneword"));
        await ExpectError("invalid_frame", () => a.SendAsync([1, 2, 3], WebSocketMessageType.Binary));
        await ExpectError("too_large", () => a.SendTextAsync($"{bob} {new string('x', 4097)}"));

        await a.SendTextAsync($"{bob} {new string('x', 4096)}");
        await a.ExpectAsync("sent");
    }

    [Fact]
    public async Task Text_with_NUL_is_invalid_frame_with_its_clientId_and_nothing_is_stored()
    {
        // PostgreSQL cannot keep U+0000: such a send used to come back `unavailable`, "try again
        // with the same clientId", for ever (issue 23).
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(aliceToken);
        await using var b = await system.ConnectAsync(bobToken);

        await a.SendJsonAsync(new { type = "send", to = bob, text = "nul\u0000here", clientId = "n-1" });
        var escaped = await a.ExpectAsync("error");
        await a.SendTextAsync($"{bob} raw\0nul");
        var raw = await a.ExpectAsync("error");
        await a.SendJsonAsync(new { type = "send", to = bob, text = "fine", clientId = "n\u0000" });
        var inClientId = await a.ExpectAsync("error");

        Assert.Equal(("invalid_frame", "n-1"), (Text(escaped, "code"), Text(escaped, "clientId")));
        Assert.Contains("NUL", Text(escaped, "message"), StringComparison.Ordinal);
        Assert.Equal("invalid_frame", Text(raw, "code"));
        Assert.Equal("invalid_frame", Text(inClientId, "code"));
        await a.SendJsonAsync(new { type = "send", to = bob, text = "after", clientId = "n-2" });
        Assert.Equal("n-2", Text(await a.ExpectAsync("sent"), "clientId"));
        Assert.Equal("after", Text(await b.ExpectAsync("message"), "text")); // the first thing bob gets
    }

    [Fact]
    public async Task A_frame_over_64_KiB_closes_with_1009()
    {
        var (_, token) = await system.NewUserAsync("alice");
        await using var a = await system.ConnectAsync(token);
        await a.SendTextAsync("bob " + new string('x', 64 * 1024));
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await a.ReceiveCloseAsync());
    }

    [Fact]
    public async Task Invalid_utf8_closes_with_1007()
    {
        var (_, token) = await system.NewUserAsync("alice");
        // Again and again: the close once lost a race with the socket's teardown about half the
        // time, and a single try would pass by luck.
        for (var i = 0; i < 20; i++)
        {
            await using var a = await system.ConnectAsync(token);
            await a.SendAsync([(byte)'b', (byte)'o', (byte)'b', (byte)' ', 0xC3, 0x28], WebSocketMessageType.Text);
            Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, await a.ReceiveCloseAsync());
        }
    }

    [Fact]
    public async Task An_unmasked_frame_closes_with_1002()
    {
        // A WebSocket client library cannot send a frame that breaks the protocol: a raw socket does.
        var (_, token) = await system.NewUserAsync("alice");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(system.Edge.Address.Host, system.Edge.Address.Port);
        var stream = tcp.GetStream();
        stream.ReadTimeout = 10_000;
        var upgrade = $"GET /ws HTTP/1.1\r\nHost: {system.Edge.Address.Authority}\r\nUpgrade: websocket\r\n" +
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
            $"Authorization: Bearer {token}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(upgrade));
        var head = new List<byte>();
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            var b = stream.ReadByte();
            Assert.NotEqual(-1, b);
            head.Add((byte)b);
        }
        Assert.StartsWith("HTTP/1.1 101", Encoding.ASCII.GetString(head.ToArray()));

        // FIN, text, five bytes, no mask bit (the framework waits for the six bytes a masked header has).
        await stream.WriteAsync(new byte[] { 0x81, 0x05, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' });

        // The close comes long before the first keep-alive ping (25 s) could.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var close = new byte[4];
        await stream.ReadExactlyAsync(close, timeout.Token);
        Assert.Equal(0x88, close[0]); // FIN, close
        Assert.Equal(2, close[1]); // unmasked, two bytes: the status alone
        Assert.Equal((int)WebSocketCloseStatus.ProtocolError, (close[2] << 8) | close[3]);
    }

    [Fact]
    public async Task Bursts_over_the_token_bucket_are_answered_rate_limited()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, _) = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(aliceToken);
        const int Frames = 120;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < Frames; i++)
        {
            await a.SendTextAsync($"{bob} burst {i}");
        }
        var answers = new List<string>();
        for (var i = 0; i < Frames; i++)
        {
            var frame = await a.ReceiveAsync();
            answers.Add(Text(frame, "type") == "sent" ? "sent" : Text(frame, "code"));
        }
        var seconds = clock.Elapsed.TotalSeconds;
        // At most the burst of 50 plus 20 a second for as long as it took (however slow the machine).
        Assert.InRange(answers.Count(x => x == "sent"), 50, 50 + (20 * seconds));
        Assert.Contains("rate_limited", answers);
        Assert.All(answers.Where(x => x != "sent"), x => Assert.Equal("rate_limited", x));
        Assert.Equal(WebSocketState.Open, a.Socket.State);
    }

    [Fact]
    public async Task History_pages_newest_first_with_a_cursor()
    {
        var (alice, aliceToken) = await system.NewUserAsync("alice");
        var (bob, _) = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(aliceToken);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            await a.SendTextAsync($"{bob} h{i}");
            ids.Add(Text(await a.ExpectAsync("sent"), "id"));
        }
        using var http = new HttpClient { BaseAddress = system.Edge.Address };
        http.DefaultRequestHeaders.Authorization = new("Bearer", aliceToken);

        var page1 = await http.GetFromJsonAsync<JsonElement>($"/api/messages?with={bob}&limit=3");
        var page1Ids = page1.GetProperty("messages").EnumerateArray().Select(m => Text(m, "id")).ToList();
        Assert.Equal([ids[4], ids[3], ids[2]], page1Ids);
        var first = page1.GetProperty("messages")[0];
        Assert.Equal(alice, Text(first, "from"));
        Assert.Equal(bob, Text(first, "to"));
        Assert.Equal("h4", Text(first, "text"));

        var page2 = await http.GetFromJsonAsync<JsonElement>($"/api/messages?with={bob}&limit=3&before={Text(page1, "nextBefore")}");
        Assert.Equal([ids[1], ids[0]], page2.GetProperty("messages").EnumerateArray().Select(m => Text(m, "id")));
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("nextBefore").ValueKind);
    }

    [Fact]
    public async Task History_refuses_bad_requests_with_problem_details()
    {
        var (_, token) = await system.NewUserAsync("alice");
        using var http = new HttpClient { BaseAddress = system.Edge.Address };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/messages?with=bob")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var unknown = await http.GetAsync("/api/messages?with=nobody-like-this");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/messages?with=bob&limit=zero")).StatusCode);
    }

    /// <summary>
    /// /ws is answered ahead of the Edge's error pages and authentication (they would stay
    /// suspended under every connection), but after the path and query checks; and a request
    /// routed elsewhere, such as the 405 of a POST, still gets the error pages.
    /// </summary>
    [Fact]
    public async Task Requests_to_ws_that_cannot_be_upgraded_are_answered_with_problem_details()
    {
        var (_, token) = await system.NewUserAsync("alice");
        using var http = new HttpClient { BaseAddress = system.Edge.Address };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var plain = await ProblemAsync(await http.GetAsync("/ws"), HttpStatusCode.BadRequest);
        Assert.Contains("expects a WebSocket upgrade", plain, StringComparison.Ordinal);
        var unstorable = await ProblemAsync(await http.GetAsync("/ws?after=%00"), HttpStatusCode.BadRequest);
        Assert.Contains("path or query", unstorable, StringComparison.Ordinal);
        await ProblemAsync(await http.GetAsync("/WS"), HttpStatusCode.NotFound);
        await ProblemAsync(await http.PostAsync("/ws", null), HttpStatusCode.MethodNotAllowed);
        http.DefaultRequestHeaders.Authorization = null;
        await ProblemAsync(await http.GetAsync("/ws"), HttpStatusCode.Unauthorized);
    }

    private static async Task<string> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return await response.Content.ReadAsStringAsync();
        }
    }
}

using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Chat.IntegrationTests.Realtime;

/// <summary>
/// tools/Chat.Client against a scripted WebSocket server in the test process: what every test,
/// LoadGen and the benchmarks rely on it for (whole frames however the server splits them, the
/// bearer token, waits, closes, refusals).
/// </summary>
public sealed class ChatClientTests : IAsyncLifetime
{
    private const string Token = "the-token";

    // Larger than the client's first receive buffer, so a frame arrives in several reads.
    private static readonly string LongText = new('x', 100_000);

    private WebApplication? _server;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = TestRun.NewFolder("client-server") });
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.UseWebSockets();
        _server.Map("/ws", ServeAsync);
        await _server.StartAsync();
        _address = new Uri($"http://127.0.0.1:{port}");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>
    /// Refuses a wrong token with 401; otherwise sends a long frame in pieces, then <c>one</c>,
    /// <c>two</c>, <c>three</c>, then echoes every frame it gets with its type set to <c>echo</c>
    /// until a frame of type <c>close</c>, which it answers with a close 1008 "asked to".
    /// </summary>
    private static async Task ServeAsync(HttpContext http)
    {
        if (http.Request.Headers.Authorization != "Bearer " + Token)
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var longFrame = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = "long", text = LongText, after = http.Request.Query["after"].ToString() }));
        for (var offset = 0; offset < longFrame.Length; offset += 7_000)
        {
            var piece = longFrame.AsMemory(offset, Math.Min(7_000, longFrame.Length - offset));
            await socket.SendAsync(piece, WebSocketMessageType.Text, endOfMessage: offset + piece.Length == longFrame.Length, CancellationToken.None);
        }
        foreach (var type in new[] { "one", "two", "three" })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\"}}"), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        var buffer = new byte[64 * 1024];
        while (true)
        {
            // A frame may come in several reads when the client sends faster than this echoes.
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                length += result.Count;
            }
            while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                return;
            }
            var got = JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement;
            if (got.GetProperty("type").GetString() == "close")
            {
                await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "asked to", CancellationToken.None);
                return;
            }
            await socket.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = "echo", of = got })), WebSocketMessageType.Text, true, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_frame_split_in_pieces_larger_than_the_buffer_arrives_whole_then_the_others_in_order()
    {
        await using var client = await ChatClient.ConnectAsync(_address, Token, after: "000000000042");

        var first = await client.ExpectAsync("long");
        Assert.Equal(LongText, first.GetProperty("text").GetString());
        Assert.Equal("000000000042", first.GetProperty("after").GetString());
        Assert.Equal("one", ServerFrame.TypeOf(await client.ReceiveAsync()));
        Assert.Equal("two", ServerFrame.TypeOf(await client.ReceiveAsync()));
        Assert.InRange(client.Received, 3, 4); // three taken; the fourth may already be read behind them
    }

    [Fact]
    public async Task The_callback_reader_sees_every_frame_whole_and_in_order()
    {
        await using var client = await ChatClient.ConnectAsync(_address, Token);
        var seen = new List<(string? Type, int Length)>();
        var allFour = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();

        var reading = client.RunAsync(frame =>
        {
            seen.Add((ServerFrame.TypeOf(frame), frame.GetRawText().Length));
            if (seen.Count == 4)
            {
                allFour.SetResult();
            }
        }, stop.Token);
        await allFour.Task.WaitAsync(ChatClient.DefaultTimeout);
        await stop.CancelAsync();

        Assert.Null(await reading); // stopped, not closed by the server
        Assert.Equal(["long", "one", "two", "three"], seen.Select(s => s.Type));
        Assert.True(seen[0].Length > LongText.Length);
        Assert.Throws<InvalidOperationException>(client.StartReading); // one way of reading per client
    }

    [Fact]
    public async Task Waiting_for_a_frame_skips_the_others_and_a_wait_that_finds_none_fails()
    {
        await using var client = await ChatClient.ConnectAsync(_address, Token);

        Assert.Equal("three", ServerFrame.TypeOf(await client.WaitForAsync(f => ServerFrame.Is(f, "three"))));
        await client.ExpectSilenceAsync(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAsync<TimeoutException>(() => client.WaitForAsync(f => ServerFrame.Is(f, "never"), TimeSpan.FromMilliseconds(200)));
        await Assert.ThrowsAsync<TimeoutException>(() => client.ReceiveAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Frames_sent_directly_and_posted_arrive_in_the_order_given()
    {
        await using var client = await ChatClient.ConnectAsync(_address, Token);
        await client.WaitForAsync(f => ServerFrame.Is(f, "three"));

        await client.SendJsonAsync(new { type = "a" });
        client.Post("""{"type":"b"}"""u8.ToArray());
        client.Post("""{"type":"c"}"""u8.ToArray());

        foreach (var type in new[] { "a", "b", "c" })
        {
            var echo = await client.ExpectAsync("echo");
            Assert.Equal(type, echo.GetProperty("of").GetProperty("type").GetString());
        }
        var wrong = await Assert.ThrowsAsync<UnexpectedFrameException>(async () =>
        {
            await client.SendTextAsync("""{"type":"d"}""");
            await client.ExpectAsync("something else");
        });
        Assert.Contains("echo", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Frames_posted_faster_than_the_socket_takes_them_arrive_in_the_order_posted()
    {
        await using var client = await ChatClient.ConnectAsync(_address, Token);
        await client.WaitForAsync(f => ServerFrame.Is(f, "three"));

        // Rounds of 1.5 MB, more than the socket takes at once: some frames find a send in
        // progress and are queued, others are sent directly. Each round after the first is posted
        // once an echo of the one before has come back, while that round's queue is still being
        // sent: a direct send must not overtake a queued frame.
        const int Rounds = 8, PerRound = 50;
        var padding = new string('p', 30_000);
        var next = 0;
        async Task ExpectEchoOfNextAsync()
        {
            var echo = await client.ExpectAsync("echo");
            Assert.Equal(next++, echo.GetProperty("of").GetProperty("n").GetInt32());
        }
        for (var round = 0; round < Rounds; round++)
        {
            for (var i = 0; i < PerRound; i++)
            {
                client.SendOrPost(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = "posted", n = round * PerRound + i, padding })));
            }
            await ExpectEchoOfNextAsync();
        }
        while (next < Rounds * PerRound)
        {
            await ExpectEchoOfNextAsync();
        }
    }

    [Fact]
    public async Task The_servers_close_is_read_with_its_status_and_reason()
    {
        await using var client = await ChatClient.ConnectAsync(_address, Token);

        await client.SendJsonAsync(new { type = "close" });

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await client.ReceiveCloseAsync());
        Assert.Equal("asked to", client.CloseDescription);
    }

    [Fact]
    public async Task A_close_from_the_client_is_answered_by_the_servers()
    {
        await using var client = await ChatClient.ConnectAsync(_address, Token);
        await client.WaitForAsync(f => ServerFrame.Is(f, "three"));

        Assert.Equal(WebSocketCloseStatus.NormalClosure, await client.CloseAsync());
        Assert.Equal(WebSocketState.Closed, client.Socket.State);
    }

    [Fact]
    public async Task A_refused_upgrade_tells_its_http_status()
    {
        var refused = await Assert.ThrowsAsync<RefusedUpgradeException>(() => ChatClient.ConnectAsync(_address, "not-the-token"));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatClient.RefusedStatusAsync(ChatClient.EndpointOf(_address), "Bearer wrong"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => ChatClient.RefusedStatusAsync(ChatClient.EndpointOf(_address), "Bearer " + Token));
    }
}

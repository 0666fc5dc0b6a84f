using System.Net.WebSockets;
using System.Text;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Gateway;

/// <summary>WebSockets through the real gateway to an in-test Kestrel WebSocket echo upstream.</summary>
public sealed class GatewayWebSocketTests
{
    /// <summary>nginx's default proxy_read_timeout, which would close an idle WebSocket.</summary>
    private static readonly TimeSpan NginxDefaultReadTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_upgrade_reaches_the_replica_and_frames_go_both_ways()
    {
        await using var edge = await EchoUpstream.StartAsync("edge");
        await using var gateway = await NginxServer.StartAsync([edge.Address]);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await socket.ConnectAsync(gateway.WebSocketAddress("/ws"), CancellationToken.None);

        Assert.Equal(101, (int)socket.HttpStatusCode);
        Assert.Equal("alice hello", await EchoAsync(socket, "alice hello"));
        Assert.Equal("{\"type\":\"send\",\"to\":\"bob\",\"text\":\"hi\"}", await EchoAsync(socket, "{\"type\":\"send\",\"to\":\"bob\",\"text\":\"hi\"}"));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task A_query_string_reaches_the_replica_with_the_upgrade()
    {
        await using var edge = await EchoUpstream.StartAsync("edge");
        await using var gateway = await NginxServer.StartAsync([edge.Address]);
        using var socket = new ClientWebSocket();

        await socket.ConnectAsync(gateway.WebSocketAddress("/ws?access_token=t&after=00000000000000000042"), CancellationToken.None);

        Assert.Equal("resumed", await EchoAsync(socket, "resumed"));
    }

    [Fact]
    public async Task An_idle_websocket_outlives_nginx_default_read_timeout()
    {
        await using var edge = await EchoUpstream.StartAsync("edge");
        await using var gateway = await NginxServer.StartAsync([edge.Address]);
        using var socket = new ClientWebSocket();
        // Really idle: no keep-alive frames from this side either (the upstream sends none).
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(gateway.WebSocketAddress("/ws"), CancellationToken.None);
        Assert.Equal("before", await EchoAsync(socket, "before"));

        // Real time must pass: the read timeout runs on nginx's clock, and the test is that it
        // does not end this socket.
        await Task.Delay(NginxDefaultReadTimeout + TimeSpan.FromSeconds(10));

        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.Equal("after", await EchoAsync(socket, "after"));
    }

    private static async Task<string> EchoAsync(ClientWebSocket socket, string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        var buffer = new byte[16 * 1024];
        var received = 0;
        while (true)
        {
            var frame = await socket.ReceiveAsync(buffer.AsMemory(received), timeout.Token);
            if (frame.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException($"closed by the other side: {socket.CloseStatus} {socket.CloseStatusDescription}");
            }
            received += frame.Count;
            if (frame.EndOfMessage)
            {
                return Encoding.UTF8.GetString(buffer, 0, received);
            }
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Chat.IntegrationTests.Infrastructure;
using Chat.IntegrationTests.ScaleOut;

namespace Chat.IntegrationTests.Gateway;

/// <summary>The whole path as users take it: real nginx in front of two real Edge replicas joined by Redis.</summary>
public sealed class GatewayEndToEndTests(ScaleOutSystem system) : IClassFixture<ScaleOutSystem>, IAsyncLifetime
{
    private NginxServer _gateway = null!;

    public async Task InitializeAsync() => _gateway = await NginxServer.StartAsync([system.EdgeA.Address, system.EdgeB.Address]);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<(string Name, string Token)> SignUpThroughTheGateway(HttpClient http, string prefix)
    {
        var name = $"{prefix}{Guid.NewGuid():N}"[..16];
        var credentials = new { username = name, password = "correct horse battery" };
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/auth/register", credentials)).StatusCode);
        var login = await http.PostAsJsonAsync("/api/auth/login", credentials);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return (name, (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!);
    }

    private async Task<ClientWebSocket> Connect(string token)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        await socket.ConnectAsync(_gateway.WebSocketAddress("/ws"), CancellationToken.None);
        return socket;
    }

    private static async Task<JsonElement> Receive(ClientWebSocket socket)
    {
        var buffer = new byte[16 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        return JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone();
    }

    [Fact]
    public async Task Users_register_log_in_and_chat_through_the_gateway_across_both_replicas()
    {
        using var http = new HttpClient { BaseAddress = _gateway.Address };
        var alice = await SignUpThroughTheGateway(http, "alice");
        var bob = await SignUpThroughTheGateway(http, "bob");

        // Several connections each, so the gateway spreads them over both replicas.
        var aliceSockets = new List<ClientWebSocket>();
        var bobSockets = new List<ClientWebSocket>();
        for (var i = 0; i < 3; i++)
        {
            aliceSockets.Add(await Connect(alice.Token));
            bobSockets.Add(await Connect(bob.Token));
        }
        await aliceSockets[0].SendAsync(Encoding.UTF8.GetBytes($"{bob.Name} through nginx"), WebSocketMessageType.Text, true, CancellationToken.None);
        var sent = await Receive(aliceSockets[0]);
        Assert.Equal("sent", sent.GetProperty("type").GetString());
        foreach (var socket in bobSockets)
        {
            var message = await Receive(socket);
            Assert.Equal(sent.GetProperty("id").GetString(), message.GetProperty("id").GetString());
            Assert.Equal("through nginx", message.GetProperty("text").GetString());
        }
        foreach (var socket in aliceSockets.Concat(bobSockets))
        {
            socket.Dispose();
        }

        // Both replicas served: each logged connections.
        Assert.Contains(system.EdgeA.Process.Output, l => l.Contains("connected (", StringComparison.Ordinal));
        Assert.Contains(system.EdgeB.Process.Output, l => l.Contains("connected (", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_login_flood_is_limited_and_internal_grpc_is_not_reachable_through_the_gateway()
    {
        using var http = new HttpClient { BaseAddress = _gateway.Address };
        var statuses = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ =>
            http.PostAsJsonAsync("/api/auth/login", new { username = "flooder", password = "wrong password" })));
        Assert.Contains(statuses, r => r.StatusCode == HttpStatusCode.TooManyRequests);

        var grpc = await http.PostAsync("/user.v1.UserService/ValidateToken", new ByteArrayContent([0, 0, 0, 0, 0]));
        Assert.Equal(HttpStatusCode.NotFound, grpc.StatusCode);
    }

    [Fact]
    public async Task A_websocket_idle_for_longer_than_nginx_default_timeout_survives_and_still_chats()
    {
        using var http = new HttpClient { BaseAddress = _gateway.Address };
        var alice = await SignUpThroughTheGateway(http, "idle");
        var bob = await SignUpThroughTheGateway(http, "idle");
        using var a = await Connect(alice.Token);
        using var b = await Connect(bob.Token);

        // Real time must pass: nginx closes idle proxied connections after 60 s by default, on
        // its own clock, and the test is that this one is not closed.
        await Task.Delay(TimeSpan.FromSeconds(65));

        await a.SendAsync(Encoding.UTF8.GetBytes($"{bob.Name} still there?"), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("sent", (await Receive(a)).GetProperty("type").GetString());
        Assert.Equal("still there?", (await Receive(b)).GetProperty("text").GetString());
    }
}

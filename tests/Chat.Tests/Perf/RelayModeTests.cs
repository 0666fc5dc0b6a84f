using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Perf;

/// <summary>The relay-only benchmark mode: the same WebSocket path, no auth, no store — and never in Production.</summary>
public sealed class RelayModeTests
{
    private static async Task<JsonElement> Receive(ClientWebSocket socket)
    {
        var buffer = new byte[16 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        return JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone();
    }

    [Fact]
    public async Task An_edge_in_relay_mode_relays_messages_without_any_other_service()
    {
        await using var edge = await ServiceProcess.StartEdgeAsync(new Dictionary<string, string?> { ["Realtime__RelayOnly"] = "true" });
        using var alice = new ClientWebSocket();
        using var bob = new ClientWebSocket();
        await alice.ConnectAsync(new Uri($"ws://{edge.Address.Authority}/ws?user=alice"), CancellationToken.None);
        await bob.ConnectAsync(new Uri($"ws://{edge.Address.Authority}/ws?user=bob"), CancellationToken.None);

        for (var i = 0; i < 3; i++)
        {
            await alice.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"send\",\"to\":\"bob\",\"text\":\"r{i}\",\"clientId\":\"c{i}\"}}"), WebSocketMessageType.Text, true, CancellationToken.None);
            var sent = await Receive(alice);
            Assert.Equal(("sent", $"c{i}"), (sent.GetProperty("type").GetString(), sent.GetProperty("clientId").GetString()));
            var message = await Receive(bob);
            Assert.Equal((sent.GetProperty("id").GetString(), $"r{i}", "alice"),
                (message.GetProperty("id").GetString(), message.GetProperty("text").GetString(), message.GetProperty("from").GetString()));
        }
        Assert.DoesNotContain(edge.Process.Output, l => l.Contains("not found in the store", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Relay_mode_refuses_to_start_in_production()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartEdgeAsync(new Dictionary<string, string?>
        {
            ["Realtime__RelayOnly"] = "true",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        }));
        Assert.Contains("refuses to run in Production", e.Message, StringComparison.Ordinal);
    }
}

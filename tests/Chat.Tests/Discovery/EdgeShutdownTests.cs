using System.Diagnostics;
using System.Net.WebSockets;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Discovery;

/// <summary>
/// `docker compose stop` on an Edge with open WebSockets: SIGTERM, then SIGKILL after 10 s. In that
/// time the Edge must leave Consul and close its WebSockets with 1001.
/// </summary>
public sealed class EdgeShutdownTests
{
    private static readonly TimeSpan DockerGrace = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task On_sigterm_an_edge_with_open_websockets_deregisters_and_closes_them_with_1001_within_dockers_grace()
    {
        await using var consul = await TestConsulServer.StartAsync();
        // The benchmark's relay Edge: the Edge's own composition (registration, connections,
        // shutdown) with a message path that needs no UserService or store.
        await using var edge = await ServiceProcess.StartRelayEdgeAsync(new Dictionary<string, string?>
        {
            ["Consul__Address"] = consul.Address.ToString(),
        });
        var id = $"edge-127.0.0.1-{edge.Address.Port}";
        await ConsulDiscoveryTests.Eventually(() => consul.ServiceIds.Contains(id));
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{edge.Address.Authority}/ws?user=alice"), CancellationToken.None);
        var deregistered = consul.Deregistration(id);
        using var withinGrace = new CancellationTokenSource(DockerGrace);

        var clock = Stopwatch.StartNew();
        var stopped = edge.Process.StopAsync(grace: TimeSpan.FromSeconds(40)); // longer than .NET's default 30 s, to see it
        var closeStatus = await ReadUntilCloseAsync(socket, withinGrace.Token);
        await deregistered.WaitAsync(withinGrace.Token);
        await stopped.WaitAsync(withinGrace.Token);

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, closeStatus);
        Assert.True(clock.Elapsed < DockerGrace, $"the Edge took {clock.Elapsed} to stop");
        Assert.Contains(edge.Process.Output, l => l.Contains("Deregistered", StringComparison.Ordinal));
    }

    private static async Task<WebSocketCloseStatus?> ReadUntilCloseAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var frame = await socket.ReceiveAsync(buffer, cancellationToken);
            if (frame.MessageType == WebSocketMessageType.Close)
            {
                return frame.CloseStatus;
            }
        }
    }
}

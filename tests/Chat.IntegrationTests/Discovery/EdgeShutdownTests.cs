using System.Diagnostics;
using System.Net.WebSockets;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Discovery;

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
        await Eventually.TrueAsync(() => consul.ServiceIds.Contains(id), $"{id} registered");
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

    [Fact]
    public async Task Websockets_upgraded_while_the_edge_stops_are_closed_with_1001_too()
    {
        await using var consul = await TestConsulServer.StartAsync();
        await using var edge = await ServiceProcess.StartRelayEdgeAsync(new Dictionary<string, string?>
        {
            ["Consul__Address"] = consul.Address.ToString(),
        });
        var id = $"edge-127.0.0.1-{edge.Address.Port}";
        await Eventually.TrueAsync(() => consul.ServiceIds.Contains(id), $"{id} registered");
        var upgraded = new List<ClientWebSocket>();
        var firstFew = new TaskCompletionSource();
        // Connects one client after another until the Edge stops upgrading: some of them land
        // while it stops, after it closed the connections it had.
        var connecting = Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                var socket = new ClientWebSocket();
                try
                {
                    await socket.ConnectAsync(new Uri($"ws://{edge.Address.Authority}/ws?user=u{i}"), CancellationToken.None);
                }
                catch (WebSocketException)
                {
                    socket.Dispose();
                    return i; // refused (503 while stopping) or no longer listening
                }
                lock (upgraded)
                {
                    upgraded.Add(socket);
                }
                if (i == 3)
                {
                    firstFew.SetResult();
                }
            }
        });
        await firstFew.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var withinGrace = new CancellationTokenSource(DockerGrace);

        var stopped = edge.Process.StopAsync(grace: TimeSpan.FromSeconds(40));
        await connecting.WaitAsync(withinGrace.Token);
        ClientWebSocket[] sockets;
        lock (upgraded)
        {
            sockets = [.. upgraded];
        }
        var closes = await Task.WhenAll(sockets.Select(async s =>
        {
            try
            {
                return await ReadUntilCloseAsync(s, withinGrace.Token);
            }
            catch (WebSocketException)
            {
                return null; // dropped without a close frame
            }
        }));
        await stopped.WaitAsync(withinGrace.Token);

        Assert.All(closes, status => Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status));
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
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

using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Chat.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Chat.IntegrationTests.ScaleOut;
using Xunit.Abstractions;

namespace Chat.IntegrationTests.Reliability;

/// <summary>
/// ChatService down, then back, under two Edges behind the real gateway that a prober keeps
/// asking for <c>/readyz</c> (as the setup did): the Edges must be ready again within 2 s
/// of ChatService, and the gateway must not have dropped them meanwhile.
/// </summary>
public sealed class ChatServiceReturnTests(ScaleOutSystem system, ITestOutputHelper output) : IClassFixture<ScaleOutSystem>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Readiness_and_the_gateways_doors_return_within_2_s_of_ChatService()
    {
        var (_, token) = await system.NewUserAsync("alice");
        await using var gateway = await NginxServer.StartAsync([system.EdgeA.Address, system.EdgeB.Address]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var ws = gateway.WebSocketAddress("/ws");
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await UpgradeStatusAsync(ws, token));

        await system.KillChatServiceAsync();
        foreach (var edge in new[] { system.EdgeA, system.EdgeB })
        {
            await WaitForStatusAsync(http, new Uri(edge.Address, "/readyz"), HttpStatusCode.ServiceUnavailable, Patience);
        }
        // The prober and clients keep knocking while ChatService is away: each Edge refuses them itself.
        for (var i = 0; i < 3; i++)
        {
            using var probe = await http.GetAsync(new Uri(gateway.Address, "/readyz"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, probe.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await UpgradeStatusAsync(ws, token));
        }

        await system.RestartChatServiceAsync();
        // "Within 2 s of the dependency": from the moment ChatService itself says it serves (its
        // store checked), which on a busy machine can be a while after it starts listening.
        await WaitUntilServingAsync(system.Chat.Address, Patience);
        var back = Stopwatch.StartNew();
        foreach (var edge in new[] { system.EdgeA, system.EdgeB })
        {
            await WaitForStatusAsync(http, new Uri(edge.Address, "/readyz"), HttpStatusCode.OK, Patience);
            output.WriteLine($"{edge.Address} ready {back.Elapsed.TotalSeconds:F2} s after ChatService was");
        }
        var ready = back.Elapsed;
        using (var probe = await http.GetAsync(new Uri(gateway.Address, "/readyz")))
        {
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        }
        // Every upgrade through the gateway succeeds from then on: none flaps back to 503.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            statuses.Add(await UpgradeStatusAsync(ws, token));
        }
        output.WriteLine($"upgrades after the return: {string.Join(' ', statuses.Select(s => (int)s))}");
        Assert.True(ready < Recovery, $"both Edges were ready only {ready.TotalSeconds:F2} s after ChatService returned");
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.SwitchingProtocols, status));
        Assert.DoesNotContain(gateway.Process.Output, line => line.Contains("no live upstreams", StringComparison.Ordinal));
    }

    /// <summary>101 for an upgrade that succeeded (closed again at once), else the refusal's status.</summary>
    private static async Task<HttpStatusCode> UpgradeStatusAsync(Uri uri, string token)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await socket.ConnectAsync(uri, timeout.Token);
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
        return HttpStatusCode.SwitchingProtocols;
    }

    /// <summary>Until the service's grpc.health.v1 answers SERVING (what the Edge's readiness asks).</summary>
    private static async Task WaitUntilServingAsync(Uri address, TimeSpan within)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var health = new Health.HealthClient(channel);
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                var answer = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                return answer.Status == HealthCheckResponse.Types.ServingStatus.Serving;
            }
            catch (RpcException)
            {
                return false;
            }
        }, $"{address} serving", within);
    }

    private static async Task WaitForStatusAsync(HttpClient http, Uri uri, HttpStatusCode wanted, TimeSpan within)
    {
        var last = 0;
        await Eventually.TrueAsync(async () =>
        {
            using var answer = await http.GetAsync(uri);
            last = (int)answer.StatusCode;
            return answer.StatusCode == wanted;
        }, $"{uri} answering {(int)wanted}", within, () => $"(last: {last})");
    }
}

using System.Net.WebSockets;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Gateway;

/// <summary>The gateway's flood limits: requests to the password endpoints, connections per address.</summary>
public sealed class GatewayLimitTests
{
    /// <summary>One request plus the burst of 20 pass at once; the rest of a fast flood does not.</summary>
    private const int Burst = 21;
    private const int Flood = 50;

    [Theory]
    [InlineData("/api/auth/login")]
    [InlineData("/api/auth/register")]
    public async Task A_flood_on_a_password_endpoint_gets_429_with_retry_after_and_never_reaches_the_replica(string path)
    {
        await using var edge = await EchoUpstream.StartAsync("edge");
        await using var gateway = await NginxServer.StartAsync([edge.Address]);

        var statuses = new List<int>();
        for (var i = 0; i < Flood; i++)
        {
            using var answer = await GatewayHttp.Client.PostAsync(new Uri(gateway.Address, path), GatewayHttp.LoginBody());
            statuses.Add((int)answer.StatusCode);
            if ((int)answer.StatusCode == 429)
            {
                await GatewayHttp.AssertProblemAsync(answer, 429);
                Assert.Equal("1", answer.Headers.GetValues("Retry-After").Single());
            }
        }

        Assert.All(statuses.Take(Burst), s => Assert.Equal(200, s));
        Assert.Contains(429, statuses);
        Assert.Equal(statuses.Count(s => s == 200), edge.ApiRequests);
    }

    [Fact]
    public async Task Login_and_register_share_one_allowance_per_address()
    {
        await using var edge = await EchoUpstream.StartAsync("edge");
        await using var gateway = await NginxServer.StartAsync([edge.Address]);

        for (var i = 0; i < Burst; i++)
        {
            using var login = await GatewayHttp.Client.PostAsync(new Uri(gateway.Address, "/api/auth/login"), GatewayHttp.LoginBody());
            Assert.Equal(200, (int)login.StatusCode);
        }
        using var register = await GatewayHttp.Client.PostAsync(new Uri(gateway.Address, "/api/auth/register"), GatewayHttp.LoginBody());

        Assert.Equal(429, (int)register.StatusCode);
    }

    [Fact]
    public async Task The_rest_of_the_api_is_not_rate_limited()
    {
        await using var edge = await EchoUpstream.StartAsync("edge");
        await using var gateway = await NginxServer.StartAsync([edge.Address]);

        for (var i = 0; i < Flood; i++)
        {
            using var answer = await GatewayHttp.Client.GetAsync(new Uri(gateway.Address, "/api/messages?with=bob"));
            Assert.Equal(200, (int)answer.StatusCode);
        }
    }

    [Fact]
    public async Task Connections_per_client_address_are_limited_while_they_are_open()
    {
        await using var edge = await EchoUpstream.StartAsync("edge");
        await using var gateway = await NginxServer.StartAsync([edge.Address], connectionsPerAddress: 2);
        var ws = gateway.WebSocketAddress("/ws");

        using var first = new ClientWebSocket();
        using var second = new ClientWebSocket();
        await first.ConnectAsync(ws, CancellationToken.None);
        await second.ConnectAsync(ws, CancellationToken.None);

        using var third = new ClientWebSocket();
        third.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => third.ConnectAsync(ws, CancellationToken.None));
        Assert.Equal(429, (int)third.HttpStatusCode);

        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        using var fourth = await ConnectWhenAllowedAsync(ws);
        Assert.Equal(WebSocketState.Open, fourth.State);
    }

    /// <summary>nginx counts a closed connection out once it has seen the close: retry until then.</summary>
    private static async Task<ClientWebSocket> ConnectWhenAllowedAsync(Uri ws)
    {
        return await Eventually.SucceedsAsync(async () =>
        {
            var socket = new ClientWebSocket();
            try
            {
                await socket.ConnectAsync(ws, CancellationToken.None);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }, e => e is WebSocketException, TimeSpan.FromSeconds(10));
    }
}

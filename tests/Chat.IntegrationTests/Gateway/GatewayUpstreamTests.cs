using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Gateway;

/// <summary>
/// The real gateway in front of in-test upstreams that show what reached them: forwarding headers,
/// balancing across replicas, a replica down, none up.
/// </summary>
public sealed class GatewayUpstreamTests
{
    [Fact]
    public async Task The_client_address_reaches_the_replica_and_a_forged_one_does_not()
    {
        await using var edge = await EchoUpstream.StartAsync("edge");
        await using var gateway = await NginxServer.StartAsync([edge.Address]);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.Address, "/api/who-am-i"));
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.9");
        request.Headers.TryAddWithoutValidation("X-Real-IP", "203.0.113.9");

        using var answer = await GatewayHttp.Client.SendAsync(request);
        var echo = await GatewayHttp.ReadEchoAsync(answer);

        Assert.Equal("127.0.0.1", echo.Headers["X-Forwarded-For"]);
        Assert.Equal("127.0.0.1", echo.Headers["X-Real-IP"]);
        Assert.Equal("http", echo.Headers["X-Forwarded-Proto"]);
        Assert.Equal("127.0.0.1", echo.Headers["X-Forwarded-Host"]);
        Assert.Matches("^[0-9a-f]{32}$", echo.Headers["X-Request-ID"]);
        Assert.Equal("/api/who-am-i", echo.Path);
    }

    [Fact]
    public async Task Requests_are_spread_across_the_replicas()
    {
        await using var edge1 = await EchoUpstream.StartAsync("edge-1");
        await using var edge2 = await EchoUpstream.StartAsync("edge-2");
        await using var gateway = await NginxServer.StartAsync([edge1.Address, edge2.Address]);

        var served = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            using var answer = await GatewayHttp.Client.GetAsync(new Uri(gateway.Address, "/api/replica"));
            served.Add((await GatewayHttp.ReadEchoAsync(answer)).Upstream);
        }

        Assert.Contains("edge-1", served);
        Assert.Contains("edge-2", served);
    }

    [Fact]
    public async Task A_replica_that_is_down_is_skipped_for_reads_and_writes()
    {
        await using var alive = await EchoUpstream.StartAsync("alive");
        var down = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        await using var gateway = await NginxServer.StartAsync([down, alive.Address]);

        for (var i = 0; i < 6; i++)
        {
            using var read = await GatewayHttp.Client.GetAsync(new Uri(gateway.Address, "/api/read"));
            Assert.Equal("alive", (await GatewayHttp.ReadEchoAsync(read)).Upstream);
            using var write = await GatewayHttp.Client.PostAsync(new Uri(gateway.Address, "/api/write"), GatewayHttp.JsonBodyOfSize(100));
            Assert.Equal("alive", (await GatewayHttp.ReadEchoAsync(write)).Upstream);
        }
    }

    [Fact]
    public async Task Without_a_reachable_replica_the_answer_is_503_problem_details()
    {
        var down = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        await using var gateway = await NginxServer.StartAsync([down]);

        using var api = await GatewayHttp.Client.GetAsync(new Uri(gateway.Address, "/api/anything"));
        using var ready = await GatewayHttp.Client.GetAsync(new Uri(gateway.Address, "/readyz"));
        using var alive = await GatewayHttp.Client.GetAsync(new Uri(gateway.Address, "/healthz"));

        await GatewayHttp.AssertProblemAsync(api, 503);
        await GatewayHttp.AssertProblemAsync(ready, 503);
        Assert.Equal(200, (int)alive.StatusCode);
    }

    [Fact]
    public async Task Readyz_is_ready_while_any_replica_is_and_not_when_none_is()
    {
        await using var edge1 = await EchoUpstream.StartAsync("edge-1");
        await using var edge2 = await EchoUpstream.StartAsync("edge-2");
        await using var gateway = await NginxServer.StartAsync([edge1.Address, edge2.Address]);
        var readyz = new Uri(gateway.Address, "/readyz");

        edge1.Ready = false;
        for (var i = 0; i < 4; i++)
        {
            using var oneReady = await GatewayHttp.Client.GetAsync(readyz);
            Assert.Equal(200, (int)oneReady.StatusCode);
        }

        edge2.Ready = false;
        using var noneReady = await GatewayHttp.Client.GetAsync(readyz);
        Assert.Equal(503, (int)noneReady.StatusCode);
    }

    [Fact]
    public async Task A_body_of_64_KiB_passes_and_one_byte_more_never_reaches_the_replica()
    {
        await using var edge = await EchoUpstream.StartAsync("edge");
        await using var gateway = await NginxServer.StartAsync([edge.Address]);
        var register = new Uri(gateway.Address, "/api/auth/register");

        using var largest = await GatewayHttp.Client.PostAsync(register, GatewayHttp.JsonBodyOfSize(64 * 1024));
        using var tooLarge = await GatewayHttp.Client.PostAsync(register, GatewayHttp.JsonBodyOfSize((64 * 1024) + 1));

        Assert.Equal(64 * 1024, (await GatewayHttp.ReadEchoAsync(largest)).BodyBytes);
        await GatewayHttp.AssertProblemAsync(tooLarge, 413);
        Assert.Equal(1, edge.ApiRequests);
    }
}

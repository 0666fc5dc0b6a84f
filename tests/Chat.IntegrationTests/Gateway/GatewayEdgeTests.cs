using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Chat.IntegrationTests.Gateway;

/// <summary>The real gateway in front of a real Edge process: what gets through and what does not.</summary>
public sealed class GatewayEdgeTests(EdgeBehindGateway system) : IClassFixture<EdgeBehindGateway>
{
    private static readonly string[] SecurityHeaders =
        ["X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy"];

    private Uri At(string pathAndQuery) => new(system.Gateway.Address, pathAndQuery);

    [Fact]
    public async Task Healthz_is_answered_by_the_gateway_itself()
    {
        using var answer = await GatewayHttp.Client.GetAsync(At("/healthz"));

        Assert.Equal(200, (int)answer.StatusCode);
        Assert.Equal("ok\n", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_through_the_gateway_is_the_edge_replicas_answer()
    {
        using var direct = await GatewayHttp.Client.GetAsync(new Uri(system.Edge.Address, "/readyz"));
        using var viaGateway = await GatewayHttp.Client.GetAsync(At("/readyz"));

        Assert.Equal(direct.StatusCode, viaGateway.StatusCode);
        Assert.Equal(await direct.Content.ReadAsStringAsync(), await viaGateway.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/admin")]
    [InlineData("/api")]
    [InlineData("/wss")]
    [InlineData("/ws/x")]
    [InlineData("/healthz/x")]
    [InlineData("/metrics")]
    public async Task Unknown_paths_get_404_problem_details(string path)
    {
        using var answer = await GatewayHttp.Client.GetAsync(At(path));

        await GatewayHttp.AssertProblemAsync(answer, 404);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/METRICS")]
    [InlineData("/metrics/")]
    [InlineData("/%6Detrics")]
    [InlineData("/api/../metrics")]
    public async Task Metrics_the_edge_serves_are_not_reachable_through_the_gateway(string path)
    {
        using var direct = await GatewayHttp.Client.GetAsync(new Uri(system.Edge.Address, "/metrics"));
        using var viaGateway = await GatewayHttp.Client.GetAsync(At(path));

        Assert.Equal(200, (int)direct.StatusCode);
        Assert.Contains("target_info{service_name=\"edge\"", await direct.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await GatewayHttp.AssertProblemAsync(viaGateway, 404);
    }

    [Theory]
    [InlineData("/user.v1.UserService/Login")]
    [InlineData("/user.v1.UserService/ValidateToken")]
    [InlineData("/chat.v1.ChatService/StoreMessage")]
    [InlineData("/grpc.health.v1.Health/Check")]
    [InlineData("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")]
    public async Task Internal_grpc_paths_get_404(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, At(path))
        {
            Content = new ByteArrayContent([0, 0, 0, 0, 0]) { Headers = { ContentType = new MediaTypeHeaderValue("application/grpc") } },
        };
        request.Headers.TryAddWithoutValidation("TE", "trailers");

        using var answer = await GatewayHttp.Client.SendAsync(request);

        await GatewayHttp.AssertProblemAsync(answer, 404);
    }

    [Fact]
    public async Task A_grpc_client_reaches_no_service_through_the_gateway()
    {
        using var channel = GrpcChannel.ForAddress(system.Gateway.Address);
        var health = new Health.HealthClient(channel);

        var failure = await Assert.ThrowsAsync<RpcException>(
            () => health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);

        Assert.NotEqual(StatusCode.OK, failure.StatusCode);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/api/no-such-endpoint")]
    [InlineData("/nothing-here")]
    public async Task Security_headers_are_on_every_answer_once_and_the_version_is_not(string path)
    {
        using var answer = await GatewayHttp.Client.GetAsync(At(path));

        foreach (var name in SecurityHeaders)
        {
            Assert.True(answer.Headers.TryGetValues(name, out var values), $"{name} missing on {path}");
            Assert.Single(values);
        }
        Assert.Equal("nosniff", answer.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", answer.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("default-src 'none'", answer.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nginx", answer.Headers.GetValues("Server").Single());
    }

    [Fact]
    public async Task Request_bodies_over_64_KiB_get_413_problem_details()
    {
        using var answer = await GatewayHttp.Client.PostAsync(At("/api/auth/register"), GatewayHttp.JsonBodyOfSize((64 * 1024) + 1));

        await GatewayHttp.AssertProblemAsync(answer, 413);
    }

    [Fact]
    public async Task The_access_log_holds_the_path_but_never_the_query_string()
    {
        const string Secret = "eyJ-not-a-real-token-but-a-secret";
        using var answer = await GatewayHttp.Client.GetAsync(At($"/api/access-log-probe?access_token={Secret}"));

        await system.Gateway.Process.WaitForOutputAsync(new("\"path\":\"/api/access-log-probe\""), TimeSpan.FromSeconds(10));

        Assert.DoesNotContain(system.Gateway.Process.Output, l => l.Contains(Secret, StringComparison.Ordinal));
    }
}

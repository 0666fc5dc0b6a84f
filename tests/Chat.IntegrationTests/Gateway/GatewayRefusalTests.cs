using System.Text.Json;
using Chat.Contracts;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Gateway;

/// <summary>
/// What nginx refuses itself, before any location, answers in the contract's problem+json shape
/// (PROTOCOL.md: the gateway's own refusals too), and a near-8 KiB token reaches the Edge.
/// </summary>
public sealed class GatewayRefusalTests(EdgeBehindGateway system) : IClassFixture<EdgeBehindGateway>
{
    [Fact]
    public async Task A_request_without_host_is_a_400_problem()
    {
        var answer = await RawHttp.SendAsync(system.Gateway.Address, "GET", "/api/groups", version: "HTTP/1.1",
            headers: null, omitHost: true);

        AssertProblem(answer, 400);
    }

    [Fact]
    public async Task A_request_line_nginx_cannot_parse_is_a_400_problem()
    {
        var answer = await RawHttp.SendAsync(system.Gateway.Address, "GET\u0001", "/api/groups");

        AssertProblem(answer, 400);
    }

    [Fact]
    public async Task A_header_line_over_16_KiB_is_a_431_problem()
    {
        var answer = await RawHttp.SendAsync(system.Gateway.Address, "GET", "/api/groups",
            headers: [$"X-Padding: {new string('a', 17 * 1024)}"]);

        AssertProblem(answer, 431);
    }

    [Fact]
    public async Task A_target_over_16_KiB_is_a_414_problem()
    {
        var answer = await RawHttp.SendAsync(system.Gateway.Address, "GET", "/api/messages?with=" + new string('a', 17 * 1024));

        AssertProblem(answer, 414);
    }

    [Fact]
    public async Task A_body_over_64_KiB_is_a_413_problem()
    {
        var answer = await RawHttp.SendAsync(system.Gateway.Address, "POST", "/api/groups", "\"" + new string('a', 65 * 1024) + "\"");

        AssertProblem(answer, 413);
    }

    [Theory]
    [InlineData(TokenLimits.MaxTokenLength + 1)]
    [InlineData(12 * 1024)]
    public async Task A_token_over_the_edges_limit_but_under_the_header_buffer_gets_the_contracts_401(int length)
    {
        var answer = await RawHttp.SendAsync(system.Gateway.Address, "GET", "/api/groups",
            headers: [$"Authorization: Bearer {new string('a', length)}"]);

        AssertProblem(answer, 401);
        Assert.Equal("Bearer", answer.Header("WWW-Authenticate"));
    }

    private static void AssertProblem(RawHttp.Answer answer, int status)
    {
        Assert.Equal(status, answer.Status);
        Assert.StartsWith("application/problem+json", answer.Header("Content-Type"), StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(answer.Body);
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("detail").GetString()));
    }
}

using System.Text.Json;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Gateway;

/// <summary>
/// Issue 20's doors: every spelling of a limited path is limited through the real gateway, and the
/// real Edge answers only the canonical one. The Edge here reaches no UserService, so a request
/// that got to an account endpoint would answer 503: a 404 or a 429 proves it never did.
/// </summary>
public sealed class GatewayDoorTests(EdgeBehindGateway system) : IClassFixture<EdgeBehindGateway>
{
    private const int Flood = 40;
    private const string Credentials = """{"username":"doors","password":"not-the-password"}""";

    /// <summary>The Edge's own 404 for a spelling it does not answer (nginx's says "nothing at this path." alone).</summary>
    private const string EdgeRefusal = "spelled exactly as documented";

    public static TheoryData<string> Spellings => new()
    {
        "/api/auth/login/",
        "/api/auth/LOGIN",
        "/api/Auth/Login",
        "/api/auth/register/",
        "/api/auth/REGISTER",
        "/api/auth//login",
        "//api/auth/login",
        "/api/auth/%6cogin",
        "/api/auth/%6Cogin",
        "/api/auth/./login",
        "/api/auth/x/../login",
        "/api/auth/login//",
        "/api/auth/refresh/",
        "/api/auth/REFRESH",
        "/api/auth/password/",
        "/api/auth/Password",
    };

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task The_edge_answers_a_non_canonical_spelling_with_404_before_any_endpoint(string path)
    {
        var answer = await RawHttp.SendAsync(system.Edge.Address, "POST", path, Credentials);

        AssertEdgeRefusal(answer);
    }

    [Fact]
    public async Task The_edge_refuses_an_absolute_form_target_spelled_otherwise_and_answers_the_canonical_ones()
    {
        var absolute = await RawHttp.SendAsync(system.Edge.Address, "POST", $"http://{system.Edge.Address.Authority}/api/auth/LOGIN", Credentials);
        var canonical = await RawHttp.SendAsync(system.Edge.Address, "POST", "/api/auth/login", Credentials);
        var withQuery = await RawHttp.SendAsync(system.Edge.Address, "POST", "/api/auth/register?x=1", Credentials);
        var healthz = await RawHttp.SendAsync(system.Edge.Address, "GET", "/healthz");
        var upperHealthz = await RawHttp.SendAsync(system.Edge.Address, "GET", "/HEALTHZ");

        AssertEdgeRefusal(absolute);
        Assert.Equal(503, canonical.Status); // reached the endpoint, which reached for UserService
        Assert.Equal(503, withQuery.Status);
        Assert.Equal(200, healthz.Status);
        AssertEdgeRefusal(upperHealthz);
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task A_flood_in_any_spelling_is_limited_by_the_gateway_and_never_reaches_an_endpoint(string path)
    {
        // A gateway of its own: the allowance is per address, and every test here is 127.0.0.1.
        await using var gateway = await NginxServer.StartAsync([system.Edge.Address]);

        var answers = new List<RawHttp.Answer>();
        for (var i = 0; i < Flood; i++)
        {
            answers.Add(await RawHttp.SendAsync(gateway.Address, "POST", path, Credentials));
        }

        Assert.All(answers, a => Assert.True(a.Status is 404 or 429, $"{path}: {a.Status} {a.Body}"));
        Assert.All(answers.Where(a => a.Status == 404), AssertEdgeRefusal);
        var limited = answers.Where(a => a.Status == 429).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, a => Assert.Equal("1", a.Header("Retry-After")));
    }

    [Fact]
    public async Task Refresh_has_an_allowance_of_its_own()
    {
        await using var gateway = await NginxServer.StartAsync([system.Edge.Address]);

        var logins = new List<int>();
        for (var i = 0; i < Flood; i++)
        {
            logins.Add((await RawHttp.SendAsync(gateway.Address, "POST", "/api/auth/login", Credentials)).Status);
        }
        var refreshes = new List<int>();
        for (var i = 0; i < Flood; i++)
        {
            refreshes.Add((await RawHttp.SendAsync(gateway.Address, "POST", "/api/auth/refresh", """{"refreshToken":"x"}""")).Status);
        }

        Assert.Contains(429, logins);
        Assert.Equal(503, refreshes[0]); // the login flood spent nothing of refresh's allowance
        Assert.Contains(429, refreshes);
    }

    private static void AssertEdgeRefusal(RawHttp.Answer answer)
    {
        Assert.Equal(404, answer.Status);
        Assert.StartsWith("application/problem+json", answer.Header("Content-Type"), StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(answer.Body);
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(EdgeRefusal, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

using System.Security.Cryptography;
using System.Text.Json;
using Chat.Contracts;
using Chat.IntegrationTests.Infrastructure;
using Chat.IntegrationTests.Realtime;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Chat.IntegrationTests.Accounts;

/// <summary>
/// The Edge's bearer authentication (PROTOCOL.md), on an <c>/api</c> endpoint and on the <c>/ws</c>
/// upgrade alike: every way a token fails gets the contract's 401 (problem+json,
/// <c>WWW-Authenticate: Bearer</c>), from the header and from <c>?access_token=</c>; a valid token
/// is let in. UserService unreachable (503, not 401) is in Reliability/UserServiceDownTests.
/// </summary>
public sealed class BearerAuthenticationTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    private const string Api = "/api/conversations";

    private static readonly string[] UpgradeHeaders =
    [
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ];

    [Fact]
    public async Task A_request_without_a_token_is_401()
    {
        AssertUnauthorized(await ApiAsync(authorization: null), "api");
        AssertUnauthorized(await UpgradeAsync(authorization: null), "ws");
        AssertUnauthorized(await UpgradeAsync(authorization: null, "?access_token="), "ws, empty access_token");
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.")]
    public async Task A_malformed_token_is_401(string token) => await AssertRefusedAsync(token);

    [Fact]
    public async Task A_token_over_the_length_limit_is_401()
    {
        // In the header only: in the query it would pass Kestrel's request-line limit (414).
        var token = new string('a', TokenLimits.MaxTokenLength + 1);
        AssertUnauthorized(await ApiAsync($"Bearer {token}"), "api");
        AssertUnauthorized(await UpgradeAsync($"Bearer {token}"), "ws");
    }

    [Theory]
    [InlineData("Basic dXNlcjpjb3JyZWN0IGhvcnNl")]
    [InlineData("Bearer")]
    [InlineData("Token abc")]
    public async Task An_authorization_header_without_a_bearer_token_is_401(string authorization)
    {
        AssertUnauthorized(await ApiAsync(authorization), "api");
        AssertUnauthorized(await UpgradeAsync(authorization), "ws");
    }

    [Fact]
    public async Task An_expired_token_of_a_live_session_is_401_and_the_same_token_unexpired_is_let_in()
    {
        var (_, live) = await system.NewUserAsync("exp");
        var key = await File.ReadAllTextAsync(system.SigningKeyFile);
        var now = DateTime.UtcNow;

        await AssertRefusedAsync(Resigned(live, key, now.AddHours(-2), now.AddHours(-1)));
        // The control: the same claims and key, only unexpired.
        Assert.Equal(200, (await ApiAsync($"Bearer {Resigned(live, key, now.AddMinutes(-1), now.AddMinutes(10))}")).Status);
    }

    [Fact]
    public async Task A_forged_token_is_401()
    {
        var (_, live) = await system.NewUserAsync("forged");
        var now = DateTime.UtcNow;

        await AssertRefusedAsync(Resigned(live, SigningKeys.NewPem(), now.AddMinutes(-1), now.AddMinutes(10)));
    }

    [Fact]
    public async Task A_token_of_an_ended_session_is_401_at_once_when_the_edge_had_not_accepted_it_before()
    {
        var (_, token) = await system.NewUserAsync("ended");
        var logout = await ApiAsync($"Bearer {token}", "POST", "/api/auth/logout");
        Assert.Equal(204, logout.Status);

        // No wait: the logout itself did not make the Edge check (and cache) the token.
        await AssertRefusedAsync(token);
    }

    [Fact]
    public async Task A_valid_token_is_let_in_from_the_header_and_on_ws_from_access_token_but_the_api_ignores_the_query()
    {
        var (_, token) = await system.NewUserAsync("valid");

        Assert.Equal(200, (await ApiAsync($"Bearer {token}")).Status);
        Assert.Equal(101, (await UpgradeAsync($"Bearer {token}")).Status);
        Assert.Equal(101, (await UpgradeAsync(authorization: null, "?access_token=" + Uri.EscapeDataString(token))).Status);
        AssertUnauthorized(await ApiAsync(authorization: null, "GET", Api + "?access_token=" + Uri.EscapeDataString(token)), "api, access_token");
    }

    /// <summary>The token refused on the api (header), and on /ws from the header and from <c>?access_token=</c>.</summary>
    private async Task AssertRefusedAsync(string token)
    {
        AssertUnauthorized(await ApiAsync($"Bearer {token}"), "api");
        AssertUnauthorized(await UpgradeAsync($"Bearer {token}"), "ws");
        AssertUnauthorized(await UpgradeAsync(authorization: null, "?access_token=" + Uri.EscapeDataString(token)), "ws, access_token");
    }

    private Task<RawHttp.Answer> ApiAsync(string? authorization, string method = "GET", string target = Api) =>
        RawHttp.SendAsync(system.Edge.Address, method, target, headers: authorization is null ? [] : [$"Authorization: {authorization}"]);

    private Task<RawHttp.Answer> UpgradeAsync(string? authorization, string query = "") =>
        RawHttp.SendAsync(system.Edge.Address, "GET", "/ws" + query,
            headers: authorization is null ? UpgradeHeaders : [.. UpgradeHeaders, $"Authorization: {authorization}"]);

    /// <summary>The contract's 401, as the Edge has always spelled it.</summary>
    private static void AssertUnauthorized(RawHttp.Answer answer, string where)
    {
        Assert.True(answer.Status == 401, $"{where}: {answer.Status} {answer.Body}");
        Assert.Equal("Bearer", answer.Header("WWW-Authenticate"));
        Assert.StartsWith("application/problem+json", answer.Header("Content-Type"), StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(answer.Body);
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("Unauthorized", problem.RootElement.GetProperty("title").GetString());
        Assert.Equal("A valid bearer token is required (Authorization: Bearer TOKEN).", problem.RootElement.GetProperty("detail").GetString());
    }

    /// <summary>A token with the user and session of <paramref name="live"/>, signed by the PEM's key, valid from and to the given times.</summary>
    private static string Resigned(string live, string pem, DateTime notBefore, DateTime expires)
    {
        var claims = new JsonWebToken(live);
        // Not disposed: the library caches a signer per key (by its material), which would outlive it.
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = claims.Issuer,
            Audience = claims.Audiences.Single(),
            NotBefore = notBefore,
            IssuedAt = notBefore,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key), SecurityAlgorithms.EcdsaSha256),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = claims.Subject,
                [JwtRegisteredClaimNames.UniqueName] = claims.GetClaim(JwtRegisteredClaimNames.UniqueName).Value,
                [JwtRegisteredClaimNames.Sid] = claims.GetClaim(JwtRegisteredClaimNames.Sid).Value,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
        });
    }
}

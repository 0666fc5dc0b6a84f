using System.Security.Cryptography;
using System.Text;
using Chat.Contracts.User.V1;
using Chat.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Chat.IntegrationTests.Users;

public sealed class UserServiceFixture : IAsyncLifetime
{
    public UserServiceHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await UserServiceHost.StartAsync(new Dictionary<string, string?>
    {
        ["LoginThrottle__MaxFailures"] = "3",
    });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>user.v1.UserService over real gRPC, on a real Postgres.</summary>
public sealed class UserServiceTests(UserServiceFixture fixture) : IClassFixture<UserServiceFixture>
{
    private const string Password = "correct horse battery";
    private Chat.Contracts.User.V1.UserService.UserServiceClient Client => fixture.Host.Client;

    private static string NewName(string prefix = "u") => $"{prefix}{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task Register_login_and_validate_round_trip()
    {
        var name = NewName();
        var registered = await Client.RegisterAsync(new RegisterRequest { Username = name.ToUpperInvariant(), Password = Password });
        Assert.Equal(name, registered.User.Username); // stored lower-case

        var login = await Client.LoginAsync(new LoginRequest { Username = name, Password = Password, ClientAddress = "10.0.0.1" });
        Assert.Equal("Bearer", login.TokenType);
        Assert.Equal(900, login.ExpiresIn); // 15 minutes: sessions live on through refresh tokens

        var validated = await Client.ValidateTokenAsync(new ValidateTokenRequest { Token = login.AccessToken });
        Assert.Equal(registered.User.Id, validated.UserId);
        Assert.Equal(name, validated.Username);
        Assert.InRange(validated.ExpiresAt.ToDateTime(), DateTime.UtcNow.AddMinutes(14), DateTime.UtcNow.AddMinutes(16));
    }

    [Fact]
    public async Task Concurrent_registrations_of_one_name_in_any_case_create_exactly_one_user()
    {
        var name = NewName("race");
        var spellings = Enumerable.Range(0, 20).Select(i => i % 3 == 0 ? name : i % 3 == 1 ? name.ToUpperInvariant() : char.ToUpperInvariant(name[0]) + name[1..]);
        var outcomes = await Task.WhenAll(spellings.Select(async spelling =>
        {
            try
            {
                await Client.RegisterAsync(new RegisterRequest { Username = spelling, Password = Password });
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }));
        Assert.Single(outcomes, s => s == StatusCode.OK);
        Assert.All(outcomes.Where(s => s != StatusCode.OK), s => Assert.Equal(StatusCode.AlreadyExists, s));
        var found = await Client.LookupUsersAsync(new LookupUsersRequest { Usernames = { name.ToUpperInvariant(), "nobody-here" } });
        Assert.Equal(name, Assert.Single(found.Users).Username);
    }

    [Theory]
    [InlineData("ab", "long enough password")]
    [InlineData("has space", "long enough password")]
    [InlineData("émile", "long enough password")]
    [InlineData("thirty-three-characters-long-name", "long enough password")]
    [InlineData("validname", "short")]
    public async Task Bad_usernames_and_passwords_are_invalid_arguments(string username, string password)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.RegisterAsync(new RegisterRequest { Username = username, Password = password }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_user_get_the_same_answer()
    {
        var name = NewName();
        await Client.RegisterAsync(new RegisterRequest { Username = name, Password = Password });
        var wrong = await Assert.ThrowsAsync<RpcException>(() => Client.LoginAsync(new LoginRequest { Username = name, Password = "wrong password", ClientAddress = "a1" }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Client.LoginAsync(new LoginRequest { Username = NewName(), Password = Password, ClientAddress = "a1" }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal(wrong.Status, unknown.Status);
    }

    [Fact]
    public async Task Repeated_failures_from_one_address_are_throttled_and_a_success_clears_them()
    {
        var name = NewName();
        await Client.RegisterAsync(new RegisterRequest { Username = name, Password = Password });
        Task<LoginResponse> Login(string password, string address) =>
            Client.LoginAsync(new LoginRequest { Username = name, Password = password, ClientAddress = address }).ResponseAsync;

        // Two failures, then a success: the count starts over.
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<RpcException>(() => Login("wrong password", "198.51.100.7"));
        }
        await Login(Password, "198.51.100.7");
        for (var i = 0; i < 3; i++)
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => Login("wrong password", "198.51.100.7"));
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        }

        // The fourth attempt is refused, even with the right password, and says when to retry.
        var throttled = await Assert.ThrowsAsync<RpcException>(() => Login(Password, "198.51.100.7"));
        Assert.Equal(StatusCode.ResourceExhausted, throttled.StatusCode);
        Assert.InRange(int.Parse(throttled.Trailers.GetValue("retry-after-seconds")!, System.Globalization.CultureInfo.InvariantCulture), 1, 300);

        // Another address is not affected.
        await Login(Password, "203.0.113.9");
    }

    public static TheoryData<string> BadTokens() => ["", "not.a.token", "a.b", new string('x', 9000)];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Malformed_tokens_are_refused(string token) => await ExpectRefused(token);

    [Fact]
    public async Task Tokens_that_are_expired_not_yet_valid_or_for_someone_else_are_refused()
    {
        var key = Key(fixture.Host.SigningKeyPem);
        var now = DateTime.UtcNow;
        var name = NewName();
        await Client.RegisterAsync(new RegisterRequest { Username = name, Password = Password });
        var sid = (await Client.LoginAsync(new LoginRequest { Username = name, Password = Password })).SessionId; // a live session
        string Token(ECDsaSecurityKey k, DateTime from, DateTime to, string issuer = "chat-user-service", string audience = "chat", string? session = null) =>
            UserServiceTests.Token(k, from, to, issuer, audience, session ?? sid);
        await ExpectRefused(Token(key, now.AddHours(-2), now.AddHours(-1)));                                  // expired
        await ExpectRefused(Token(key, now.AddHours(1), now.AddHours(2)));                                    // not yet valid
        await ExpectRefused(Token(key, now, now.AddHours(1), issuer: "someone-else"));                        // wrong issuer
        await ExpectRefused(Token(key, now, now.AddHours(1), audience: "another-app"));                       // wrong audience
        await ExpectRefused(Token(Key(SigningKeys.NewPem()), now, now.AddHours(1)));                          // forged: wrong key
        var good = Token(key, now, now.AddHours(1));
        await Client.ValidateTokenAsync(new ValidateTokenRequest { Token = good });                             // the control: accepted
        await ExpectRefused(good[..^4]);                                                                        // truncated signature
        await ExpectRefused(AlgNone(good));                                                                     // alg: none
        await ExpectRefused(Token(key, now, now.AddHours(1), session: ""));                                   // no session (a token from before sessions)
        await ExpectRefused(Token(key, now, now.AddHours(1), session: Guid.NewGuid().ToString()));            // a session that never was
    }

    [Fact]
    public async Task Health_and_reflection_are_served()
    {
        var health = new Health.HealthClient(fixture.Host.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);

        var reflection = new ServerReflection.ServerReflectionClient(fixture.Host.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("user.v1.UserService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    private async Task ExpectRefused(string token)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.ValidateTokenAsync(new ValidateTokenRequest { Token = token }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    private static ECDsaSecurityKey Key(string pem)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(pem);
        return new ECDsaSecurityKey(ecdsa);
    }

    private static string Token(ECDsaSecurityKey key, DateTime notBefore, DateTime expires, string issuer, string audience, string session) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            NotBefore = notBefore,
            IssuedAt = notBefore,
            Expires = expires,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
            Claims = session.Length == 0
                ? new Dictionary<string, object> { ["sub"] = Guid.NewGuid().ToString(), ["unique_name"] = "mallory" }
                : new Dictionary<string, object> { ["sub"] = Guid.NewGuid().ToString(), ["unique_name"] = "mallory", ["sid"] = session },
        });

    /// <summary>The same claims with the header switched to "alg":"none" and no signature.</summary>
    private static string AlgNone(string token)
    {
        var payload = token.Split('.')[1];
        var header = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes("{\"alg\":\"none\",\"typ\":\"JWT\"}"));
        return $"{header}.{payload}.";
    }
}

/// <summary>Where the signing key comes from, in each environment.</summary>
public sealed class SigningKeyTests
{
    [Fact]
    public async Task Production_without_a_key_refuses_to_start_with_a_clear_message()
    {
        var postgres = await PostgresServer.SharedAsync();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Users"] = await postgres.CreateDatabaseAsync("users"),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartUserServiceAsync(settings));
        Assert.Contains("No token signing key", e.Message, StringComparison.Ordinal);
        Assert.Contains("Jwt__SigningKey", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", e.Message, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task Development_generates_a_key_once_says_so_and_keeps_it_across_restarts()
    {
        var postgres = await PostgresServer.SharedAsync();
        var keyFile = Path.Combine(TestRun.NewFolder("devkey"), "key.pem");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Users"] = await postgres.CreateDatabaseAsync("users"),
            ["Jwt__SigningKeyFile"] = keyFile,
        };
        string token;
        await using (var first = await ServiceProcess.StartUserServiceAsync(settings))
        {
            Assert.Contains(first.Process.Output, l => l.Contains("generated a new token signing key", StringComparison.Ordinal));
            var client = new Chat.Contracts.User.V1.UserService.UserServiceClient(Grpc.Net.Client.GrpcChannel.ForAddress(first.Address));
            await client.RegisterAsync(new RegisterRequest { Username = "keeper", Password = "correct horse battery" });
            token = (await client.LoginAsync(new LoginRequest { Username = "keeper", Password = "correct horse battery" })).AccessToken;
        }
        Assert.True(File.Exists(keyFile));
        Assert.DoesNotContain("keeper", await File.ReadAllTextAsync(keyFile), StringComparison.Ordinal);

        await using var second = await ServiceProcess.StartUserServiceAsync(settings);
        Assert.DoesNotContain(second.Process.Output, l => l.Contains("generated a new token signing key", StringComparison.Ordinal));
        var again = new Chat.Contracts.User.V1.UserService.UserServiceClient(Grpc.Net.Client.GrpcChannel.ForAddress(second.Address));
        Assert.Equal("keeper", (await again.ValidateTokenAsync(new ValidateTokenRequest { Token = token })).Username);
    }
}

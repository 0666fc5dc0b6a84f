using Chat.Contracts.User.V1;
using Chat.IntegrationTests.Infrastructure;
using Grpc.Core;

namespace Chat.IntegrationTests.Users;

/// <summary>
/// Sessions over real gRPC on a real Postgres: refresh-token rotation with reuse detection
/// (RFC 9700 §4.14.2), logout, the session list, revocation and password changes.
/// </summary>
public sealed class SessionTests(UserServiceFixture fixture) : IClassFixture<UserServiceFixture>
{
    private const string Password = "correct horse battery";

    private Contracts.User.V1.UserService.UserServiceClient Client => fixture.Host.Client;

    private async Task<string> NewUserAsync()
    {
        var name = $"s{Guid.NewGuid():N}"[..20];
        await Client.RegisterAsync(new RegisterRequest { Username = name, Password = Password });
        return name;
    }

    private async Task<LoginResponse> LoginAsync(string name, string device = "") =>
        await Client.LoginAsync(new LoginRequest { Username = name, Password = Password, Device = device });

    private async Task<StatusCode> ValidateAsync(string accessToken)
    {
        try
        {
            await Client.ValidateTokenAsync(new ValidateTokenRequest { Token = accessToken });
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private async Task<StatusCode> RefreshCodeAsync(string refreshToken)
    {
        try
        {
            await Client.RefreshAsync(new RefreshRequest { RefreshToken = refreshToken });
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    [Fact]
    public async Task A_login_starts_a_session_that_its_tokens_carry()
    {
        var name = await NewUserAsync();

        var login = await LoginAsync(name, "phone");
        var validated = await Client.ValidateTokenAsync(new ValidateTokenRequest { Token = login.AccessToken });

        Assert.Equal(43, login.RefreshToken.Length); // 256 random bits, base64url
        Assert.Equal(30 * 24 * 3600, login.RefreshExpiresIn);
        Assert.Equal(login.SessionId, validated.SessionId);
        Assert.NotEqual(login.SessionId, (await LoginAsync(name)).SessionId);
    }

    [Fact]
    public async Task A_refresh_rotates_the_pair_and_the_old_refresh_token_is_dead()
    {
        var login = await LoginAsync(await NewUserAsync());

        var refreshed = await Client.RefreshAsync(new RefreshRequest { RefreshToken = login.RefreshToken });

        Assert.Equal(login.SessionId, refreshed.SessionId);
        Assert.NotEqual(login.RefreshToken, refreshed.RefreshToken);
        Assert.Equal(StatusCode.OK, await ValidateAsync(refreshed.AccessToken));
        var again = await Client.RefreshAsync(new RefreshRequest { RefreshToken = refreshed.RefreshToken });
        Assert.Equal(login.SessionId, again.SessionId);
    }

    [Fact]
    public async Task Presenting_a_rotated_refresh_token_again_ends_the_whole_session()
    {
        var name = await NewUserAsync();
        var other = await LoginAsync(name);
        var login = await LoginAsync(name);
        var refreshed = await Client.RefreshAsync(new RefreshRequest { RefreshToken = login.RefreshToken });

        var replay = await RefreshCodeAsync(login.RefreshToken);

        Assert.Equal(StatusCode.Unauthenticated, replay);
        Assert.Equal(StatusCode.Unauthenticated, await ValidateAsync(refreshed.AccessToken));
        Assert.Equal(StatusCode.Unauthenticated, await ValidateAsync(login.AccessToken));
        Assert.Equal(StatusCode.Unauthenticated, await RefreshCodeAsync(refreshed.RefreshToken));
        Assert.Equal(StatusCode.OK, await ValidateAsync(other.AccessToken)); // the user's other session is not touched
    }

    [Fact]
    public async Task Of_concurrent_refreshes_with_one_token_at_most_one_succeeds()
    {
        var login = await LoginAsync(await NewUserAsync());

        var codes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => RefreshCodeAsync(login.RefreshToken))));

        Assert.True(codes.Count(c => c == StatusCode.OK) <= 1, string.Join(",", codes));
        Assert.All(codes, c => Assert.True(c is StatusCode.OK or StatusCode.Unauthenticated, $"answered {c}"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-refresh-token")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // the right shape, never issued
    public async Task An_unknown_refresh_token_is_Unauthenticated(string token) =>
        Assert.Equal(StatusCode.Unauthenticated, await RefreshCodeAsync(token));

    [Fact]
    public async Task Logout_ends_the_session_for_its_access_and_refresh_tokens()
    {
        var name = await NewUserAsync();
        var login = await LoginAsync(name);
        var other = await LoginAsync(name);

        await Client.LogoutAsync(new LogoutRequest { AccessToken = login.AccessToken });

        Assert.Equal(StatusCode.Unauthenticated, await ValidateAsync(login.AccessToken));
        Assert.Equal(StatusCode.Unauthenticated, await RefreshCodeAsync(login.RefreshToken));
        Assert.Equal(StatusCode.OK, await ValidateAsync(other.AccessToken));
        var again = await Assert.ThrowsAsync<RpcException>(() => Client.LogoutAsync(new LogoutRequest { AccessToken = login.AccessToken }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, again.StatusCode);
    }

    [Fact]
    public async Task A_user_lists_their_sessions_and_ends_one_but_not_anyone_elses()
    {
        var name = await NewUserAsync();
        var phone = await LoginAsync(name, "phone");
        var laptop = await LoginAsync(name, "laptop");
        var stranger = await LoginAsync(await NewUserAsync());

        var listed = await Client.ListSessionsAsync(new ListSessionsRequest { AccessToken = laptop.AccessToken });
        var notTheirs = await Assert.ThrowsAsync<RpcException>(() => Client.RevokeSessionAsync(new RevokeSessionRequest { AccessToken = laptop.AccessToken, SessionId = stranger.SessionId }).ResponseAsync);
        var noSuch = await Assert.ThrowsAsync<RpcException>(() => Client.RevokeSessionAsync(new RevokeSessionRequest { AccessToken = laptop.AccessToken, SessionId = "nope" }).ResponseAsync);
        await Client.RevokeSessionAsync(new RevokeSessionRequest { AccessToken = laptop.AccessToken, SessionId = phone.SessionId });

        Assert.Equal([(laptop.SessionId, "laptop", true), (phone.SessionId, "phone", false)], listed.Sessions.Select(s => (s.Id, s.Device, s.Current)));
        Assert.Equal(StatusCode.NotFound, notTheirs.StatusCode);
        Assert.Equal(StatusCode.NotFound, noSuch.StatusCode);
        Assert.Equal(StatusCode.OK, await ValidateAsync(stranger.AccessToken));
        Assert.Equal(StatusCode.Unauthenticated, await ValidateAsync(phone.AccessToken));
        Assert.Equal([laptop.SessionId], (await Client.ListSessionsAsync(new ListSessionsRequest { AccessToken = laptop.AccessToken })).Sessions.Select(s => s.Id));
    }

    [Fact]
    public async Task Changing_the_password_needs_the_old_one_and_ends_every_other_session()
    {
        var name = await NewUserAsync();
        var old = await LoginAsync(name);
        var current = await LoginAsync(name);

        var wrongOld = await Assert.ThrowsAsync<RpcException>(() => Client.ChangePasswordAsync(new ChangePasswordRequest { AccessToken = current.AccessToken, OldPassword = "not the password", NewPassword = "a brand new password" }).ResponseAsync);
        var tooShort = await Assert.ThrowsAsync<RpcException>(() => Client.ChangePasswordAsync(new ChangePasswordRequest { AccessToken = current.AccessToken, OldPassword = Password, NewPassword = "short" }).ResponseAsync);
        Assert.Equal(StatusCode.OK, await ValidateAsync(old.AccessToken)); // refused changes end nothing
        await Client.ChangePasswordAsync(new ChangePasswordRequest { AccessToken = current.AccessToken, OldPassword = Password, NewPassword = "a brand new password" });

        Assert.Equal(StatusCode.PermissionDenied, wrongOld.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, tooShort.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, await ValidateAsync(old.AccessToken));
        Assert.Equal(StatusCode.Unauthenticated, await RefreshCodeAsync(old.RefreshToken));
        Assert.Equal(StatusCode.OK, await ValidateAsync(current.AccessToken));
        await Client.LoginAsync(new LoginRequest { Username = name, Password = "a brand new password" });
        var oldPassword = await Assert.ThrowsAsync<RpcException>(() => LoginAsync(name));
        Assert.Equal(StatusCode.Unauthenticated, oldPassword.StatusCode);
    }
}

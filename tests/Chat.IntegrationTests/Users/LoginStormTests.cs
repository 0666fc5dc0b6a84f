using Chat.Contracts.User.V1;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Users;

/// <summary>
/// A burst of logins (each a PBKDF2 hash, tens of milliseconds of CPU) must not starve the calls
/// that need little CPU: the Edges' token checks go on answering within their deadlines.
/// </summary>
public sealed class LoginStormTests : IAsyncLifetime
{
    private const string Password = "correct horse battery";
    private const int Logins = 64;

    private UserServiceHost _users = null!;

    public async Task InitializeAsync() => _users = await UserServiceHost.StartAsync();

    public async Task DisposeAsync() => await _users.DisposeAsync();

    [Fact]
    public async Task Token_checks_answer_within_a_second_while_sixty_four_logins_hash_their_passwords()
    {
        var username = (await _users.RegisterAsync("storm" + Guid.NewGuid().ToString("N")[..12])).Single();
        var client = _users.Client;
        var token = (await client.LoginAsync(new LoginRequest { Username = username, Password = Password, ClientAddress = "10.0.0.1" })).AccessToken;

        await client.ValidateTokenAsync(new ValidateTokenRequest { Token = token }); // its code compiled before the clock matters

        var storm = Enumerable.Range(0, Logins)
            .Select(i => client.LoginAsync(new LoginRequest { Username = username, Password = Password, ClientAddress = $"10.1.{i}.1" },
                deadline: DateTime.UtcNow.AddMinutes(2)).ResponseAsync)
            .ToList();
        for (var check = 0; check < 10; check++)
        {
            var answer = await client.ValidateTokenAsync(new ValidateTokenRequest { Token = token }, deadline: DateTime.UtcNow.AddSeconds(1));
            Assert.Equal(username, answer.Username);
        }
        // The checks were answered during the storm, not after it.
        Assert.Contains(storm, login => !login.IsCompleted);

        Assert.All(await Task.WhenAll(storm), login => Assert.NotEmpty(login.AccessToken));
    }
}

using Chat.Contracts;
using Chat.Contracts.User.V1;
using Chat.ServiceDefaults.Grpc;
using Grpc.Core;

namespace Chat.IntegrationTests.Users;

/// <summary>
/// Text no service can keep (NUL; a lone surrogate cannot even be sent as protobuf's UTF-8) is
/// InvalidArgument at UserService's door, whichever field holds it, before any handler or store.
/// </summary>
public sealed class UserServiceTextTests(UserServiceFixture fixture) : IClassFixture<UserServiceFixture>
{
    private const string Password = "correct horse battery";
    private Chat.Contracts.User.V1.UserService.UserServiceClient Client => fixture.Host.Client;

    private static string NewName() => $"t{Guid.NewGuid():N}"[..20];

    public static TheoryData<string> Calls => new() { "register password", "login password", "login device", "lookup", "change password" };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task A_nul_in_any_field_is_invalid_argument_naming_the_field(string call)
    {
        var name = NewName();
        await Client.RegisterAsync(new RegisterRequest { Username = name, Password = Password });
        var login = await Client.LoginAsync(new LoginRequest { Username = name, Password = Password, ClientAddress = "10.0.0.9" });

        var refused = await Assert.ThrowsAsync<RpcException>(() => call switch
        {
            "register password" => Client.RegisterAsync(new RegisterRequest { Username = NewName(), Password = "nul\0password" }).ResponseAsync,
            "login password" => Client.LoginAsync(new LoginRequest { Username = name, Password = Password + "\0" }).ResponseAsync,
            "login device" => Client.LoginAsync(new LoginRequest { Username = name, Password = Password, Device = "phone\0" }).ResponseAsync,
            "lookup" => Client.LookupUsersAsync(new LookupUsersRequest { Usernames = { name, "b\0b" } }).ResponseAsync,
            _ => Client.ChangePasswordAsync(new ChangePasswordRequest { AccessToken = login.AccessToken, OldPassword = Password, NewPassword = "new\0password" }).ResponseAsync,
        });

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains(StorableText.Rule, refused.Status.Detail, StringComparison.Ordinal);
        // Nothing changed: the password still logs in.
        Assert.False(string.IsNullOrEmpty((await Client.LoginAsync(new LoginRequest { Username = name, Password = Password })).AccessToken));
    }

}

using Chat.Contracts.User.V1;
using Grpc.Net.Client;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>A real UserService process with a database of its own on the shared test Postgres.</summary>
public sealed class UserServiceHost : IAsyncDisposable
{
    private readonly GrpcChannel _channel;

    private UserServiceHost(ServiceProcess process, string signingKeyPem, IDictionary<string, string?> settings)
    {
        Process = process;
        SigningKeyPem = signingKeyPem;
        Settings = settings;
        _channel = GrpcChannel.ForAddress(process.Address);
        Client = new(_channel);
    }

    public ServiceProcess Process { get; private set; }

    public string SigningKeyPem { get; }

    public IDictionary<string, string?> Settings { get; }

    public Chat.Contracts.User.V1.UserService.UserServiceClient Client { get; }

    public GrpcChannel Channel => _channel;

    /// <summary>Starts one; <paramref name="extra"/> adds or overrides settings (env var names).</summary>
    public static async Task<UserServiceHost> StartAsync(IDictionary<string, string?>? extra = null)
    {
        var postgres = await PostgresServer.SharedAsync();
        var pem = SigningKeys.NewPem();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Users"] = await postgres.CreateDatabaseAsync("users"),
            ["Jwt__SigningKey"] = pem,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        return new UserServiceHost(await ServiceProcess.StartUserServiceAsync(settings), pem, settings);
    }

    /// <summary>Registers accounts under these names (the password does not matter to the caller) and returns the names.</summary>
    public async Task<string[]> RegisterAsync(params string[] usernames)
    {
        await Task.WhenAll(usernames.Select(async name =>
            await Client.RegisterAsync(new RegisterRequest { Username = name, Password = "correct horse battery" }, deadline: DateTime.UtcNow.AddSeconds(30))));
        return usernames;
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Process.DisposeAsync();
    }
}

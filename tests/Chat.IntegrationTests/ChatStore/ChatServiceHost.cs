using Chat.IntegrationTests.Infrastructure;
using Grpc.Net.Client;
using ChatClient = Chat.Contracts.Chat.V1.ChatService.ChatServiceClient;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>
/// A ChatService process on a database of its own, the UserService it asks who exists, and a gRPC
/// client for it. Tests register the users they write to and from (<see cref="RegisterAsync"/>).
/// </summary>
public class ChatServiceHost : IAsyncLifetime
{
    private readonly List<(ServiceProcess Process, GrpcChannel Channel)> _replicas = [];

    public string ConnectionString { get; private set; } = "";

    public ServiceProcess Process => _replicas[0].Process;

    public GrpcChannel Channel => _replicas[0].Channel;

    public ChatClient Client => new(Channel);

    public UserServiceHost Users { get; private set; } = null!;

    /// <summary>Makes accounts of these names, so that ChatService finds them; returns them.</summary>
    public Task<string[]> RegisterAsync(params string[] usernames) => Users.RegisterAsync(usernames);

    /// <summary>Configuration beside the connection string, as environment variables.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        Users = await UserServiceHost.StartAsync();
        ConnectionString = await server.CreateDatabaseAsync("chatsvc");
        await StartReplicaAsync(ConnectionString);
    }

    /// <summary>Starts another ChatService on the same database (a replica) and returns its channel.</summary>
    public async Task<GrpcChannel> StartReplicaAsync(string connectionString)
    {
        var settings = new Dictionary<string, string?>(Settings)
        {
            ["ConnectionStrings__Messages"] = connectionString,
            ["Services__UserService"] = Users.Process.Address.ToString(),
        };
        var process = await ServiceProcess.StartChatServiceAsync(settings);
        var channel = GrpcChannel.ForAddress(process.Address);
        _replicas.Add((process, channel));
        return channel;
    }

    public async Task DisposeAsync()
    {
        foreach (var (process, channel) in _replicas)
        {
            channel.Dispose();
            await process.DisposeAsync();
        }
        if (Users is not null)
        {
            await Users.DisposeAsync();
        }
    }
}

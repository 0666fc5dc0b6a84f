using Chat.Contracts.Chat.V1;
using Grpc.Net.Client;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>A real ChatService process on a message database of its own (PostgreSQL).</summary>
public sealed class ChatServiceHost : IAsyncDisposable
{
    private readonly GrpcChannel _channel;

    private ChatServiceHost(ServiceProcess process, string connectionString)
    {
        Process = process;
        ConnectionString = connectionString;
        _channel = GrpcChannel.ForAddress(process.Address);
        Client = new(_channel);
    }

    public ServiceProcess Process { get; }

    public string ConnectionString { get; }

    public global::Chat.Contracts.Chat.V1.ChatService.ChatServiceClient Client { get; }

    public GrpcChannel Channel => _channel;

    /// <summary>
    /// On a new database, or <paramref name="connectionString"/>'s (a second replica on the same
    /// store), asking <paramref name="users"/> who exists.
    /// </summary>
    public static async Task<ChatServiceHost> StartAsync(UserServiceHost users, string? connectionString = null, int? nodeId = null)
    {
        connectionString ??= await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("messages");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Messages"] = connectionString,
            ["Services__UserService"] = users.Process.Address.ToString(),
        };
        if (nodeId is not null)
        {
            settings["Storage__NodeId"] = nodeId.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return new ChatServiceHost(await ServiceProcess.StartChatServiceAsync(settings), connectionString);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Process.DisposeAsync();
    }
}

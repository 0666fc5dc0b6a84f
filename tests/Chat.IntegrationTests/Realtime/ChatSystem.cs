using Chat.Contracts.User.V1;
using Chat.IntegrationTests.Infrastructure;
using Grpc.Net.Client;

namespace Chat.IntegrationTests.Realtime;

/// <summary>
/// The chat path, all real: a Postgres, UserService and ChatService on it, and one or more Edge
/// processes in front, each on its own loopback port. Test classes share one (IClassFixture) and
/// keep apart by using fresh usernames.
/// </summary>
public class ChatSystem : IAsyncLifetime
{
    private readonly List<ServiceProcess> _extraEdges = [];
    private Dictionary<string, string?> _chatSettings = [];
    private int _chatPort;

    public ServiceProcess Users { get; private set; } = null!;
    public ServiceProcess Chat { get; private set; } = null!;
    public ServiceProcess Edge { get; private set; } = null!;

    /// <summary>The PEM file of UserService's token signing key (UserService writes it at start).</summary>
    public string SigningKeyFile { get; private set; } = "";

    /// <summary>Extra UserService settings (e.g. a short token lifetime), set before start.</summary>
    public Dictionary<string, string?> UserSettings { get; } = [];

    /// <summary>Extra Edge settings, set before start.</summary>
    public Dictionary<string, string?> EdgeSettings { get; } = [];

    /// <summary>Extra ChatService settings, set before start.</summary>
    public Dictionary<string, string?> ChatSettings { get; } = [];

    public async Task InitializeAsync()
    {
        var postgres = await PostgresServer.SharedAsync();
        var usersDb = await postgres.CreateDatabaseAsync("users");
        var messagesDb = await postgres.CreateDatabaseAsync("messages");
        SigningKeyFile = Path.Combine(TestRun.NewFolder("jwt"), "signing-key.pem");
        var userSettings = new Dictionary<string, string?>(UserSettings)
        {
            ["ConnectionStrings__Users"] = usersDb,
            ["Jwt__SigningKeyFile"] = SigningKeyFile,
        };
        // Both start at once: ChatService asks UserService only when a call names a user.
        var usersPort = FreePort.Next();
        _chatSettings = new Dictionary<string, string?>(ChatSettings)
        {
            ["ConnectionStrings__Messages"] = messagesDb,
            ["Services__UserService"] = $"http://127.0.0.1:{usersPort}",
        };
        _chatPort = FreePort.Next();
        var users = ServiceProcess.StartAsync("UserService", "Chat.UserService", userSettings, usersPort);
        var chat = ServiceProcess.StartAsync("ChatService", "Chat.ChatService", _chatSettings, _chatPort);
        Users = await users;
        Chat = await chat;
        Edge = await StartEdgeAsync(EdgeSettings);
    }

    /// <summary>Another Edge on the same services, with its own settings.</summary>
    public async Task<ServiceProcess> StartEdgeAsync(IDictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>(settings)
        {
            ["Services__UserService"] = Users.Address.ToString(),
            ["Services__ChatService"] = Chat.Address.ToString(),
        };
        var edge = await ServiceProcess.StartEdgeAsync(all);
        _extraEdges.Add(edge);
        return edge;
    }

    /// <summary>ChatService crashes (SIGKILL).</summary>
    public Task KillChatServiceAsync() => Chat.KillAsync();

    /// <summary>ChatService comes back on the same address.</summary>
    public async Task RestartChatServiceAsync()
    {
        await Chat.DisposeAsync();
        Chat = await ServiceProcess.StartAsync("ChatService", "Chat.ChatService", _chatSettings, _chatPort);
    }

    /// <summary>A new user, registered and logged in; returns its username and token.</summary>
    public async Task<(string Username, string Token)> NewUserAsync(string prefix = "u")
    {
        var username = $"{prefix}{Guid.NewGuid():N}"[..20];
        // Straight to UserService, with a deadline of its own: a password hash on a loaded CI
        // machine can outlast the Edge's call deadline (3 s in the systems that kill ChatService),
        // and sign-up is not what these tests are about (Accounts/ tests the Edge's API).
        using var channel = GrpcChannel.ForAddress(Users.Address);
        var users = new Contracts.User.V1.UserService.UserServiceClient(channel);
        const string password = "correct horse battery";
        await users.RegisterAsync(new RegisterRequest { Username = username, Password = password }, deadline: DateTime.UtcNow.AddSeconds(60));
        var login = await users.LoginAsync(new LoginRequest { Username = username, Password = password, ClientAddress = "127.0.0.1" }, deadline: DateTime.UtcNow.AddSeconds(60));
        return (username, login.AccessToken);
    }

    public Task<ChatClient> ConnectAsync(string token, string? after = null, ServiceProcess? edge = null) =>
        ChatClient.ConnectAsync((edge ?? Edge).Address, token, after);

    public async Task DisposeAsync()
    {
        // Kept after the run (the run folder is deleted): what each process logged, for a failing test.
        var logs = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "chat-test-logs", GetType().Name)).FullName;
        foreach (var (name, process) in new[] { ("users", Users), ("chat", Chat) }.Concat(_extraEdges.Select((e, i) => ($"edge{i}", e))))
        {
            await File.WriteAllLinesAsync(Path.Combine(logs, name + ".log"), process.Process.Output);
        }
        foreach (var edge in _extraEdges)
        {
            await edge.DisposeAsync();
        }
        await Chat.DisposeAsync();
        await Users.DisposeAsync();
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>
/// A real Redis for the tests: <c>redis-server</c> on a free loopback port, in a folder of this
/// run, without persistence. It can be stopped and started again on the same port, for tests of
/// what the system does while Redis is away. When <c>CHAT_TEST_REDIS</c> holds a connection string
/// (as in the compose <c>test</c> profile), <see cref="SharedAsync"/> uses that server instead.
/// </summary>
public sealed partial class RedisServer : IAsyncDisposable
{
    private static readonly Lazy<Task<RedisServer>> SharedServer = new(StartSharedAsync);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string? _folder;
    private readonly RedisUsers? _users;
    private ChildProcess? _process;

    private RedisServer(string connectionString, string host, int port, string? folder, RedisUsers? users = null)
    {
        ConnectionString = connectionString;
        Host = host;
        Port = port;
        _folder = folder;
        _users = users;
    }

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6390</c> (as the administrator when the server has users).</summary>
    public string ConnectionString { get; }

    /// <summary>For a server started by <see cref="StartWithUsersAsync"/>: the connection string of its <c>edge</c> user.</summary>
    public string EdgeConnectionString => _users is { } users
        ? $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)},user=edge,password={users.EdgePassword}"
        : throw new InvalidOperationException("This Redis has no users of its own.");

    public string Host { get; }

    public int Port { get; }

    /// <summary>Started elsewhere (<c>CHAT_TEST_REDIS</c>): the tests neither stop nor start it.</summary>
    public bool IsExternal => _folder is null;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The run's server, started on first use; for tests that never stop it.</summary>
    public static Task<RedisServer> SharedAsync() => SharedServer.Value;

    /// <summary>A server of the test's own (for tests that stop and restart it).</summary>
    public static async Task<RedisServer> StartNewAsync()
    {
        var port = FreePort.Next();
        var server = new RedisServer($"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "127.0.0.1", port, TestRun.NewFolder("redis"));
        await server.StartAsync();
        return server;
    }

    /// <summary>
    /// A server started as docker-compose.yml starts it, by <c>redis/start.sh</c>: an administrator
    /// (<see cref="ConnectionString"/>) and the Edges' user limited by <c>redis/edge-user.acl</c>
    /// (<see cref="EdgeConnectionString"/>).
    /// </summary>
    public static async Task<RedisServer> StartWithUsersAsync()
    {
        var port = FreePort.Next();
        var users = new RedisUsers(AdminPassword: Guid.NewGuid().ToString("N"), EdgePassword: Guid.NewGuid().ToString("N"));
        var server = new RedisServer($"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)},password={users.AdminPassword}", "127.0.0.1", port, TestRun.NewFolder("redis"), users);
        await server.StartAsync();
        return server;
    }

    /// <summary>(Re)starts the server on its port; returns once it accepts connections.</summary>
    public async Task StartAsync()
    {
        if (_folder is null)
        {
            throw new InvalidOperationException("An external Redis (CHAT_TEST_REDIS) is not started by the tests.");
        }
        if (IsRunning)
        {
            throw new InvalidOperationException($"Redis on port {Port} is already running.");
        }
        string[] args =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", _folder,
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--logfile", "",
        ];
        var process = _users is { } users
            ? ChildProcess.Start("redis", "sh", [Path.Combine(RepositoryPaths.Root, "redis", "start.sh"), .. args], new Dictionary<string, string?>
            {
                ["REDIS_PASSWORD"] = users.AdminPassword,
                ["EDGE_REDIS_PASSWORD"] = users.EdgePassword,
                ["REDIS_ACL_FILE"] = Path.Combine(_folder, "users.acl"),
            })
            : ChildProcess.Start("redis", "redis-server", args);
        try
        {
            await process.WaitForOutputAsync(ReadyLine(), StartTimeout);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        _process = process;
    }

    /// <summary>A graceful stop (SIGTERM); clients see their connections close.</summary>
    public Task StopAsync() => EndAsync(p => p.StopAsync());

    /// <summary>A crash (SIGKILL).</summary>
    public Task KillAsync() => EndAsync(p => p.KillAsync());

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    private async Task EndAsync(Func<ChildProcess, Task> end)
    {
        if (_folder is null)
        {
            throw new InvalidOperationException("An external Redis (CHAT_TEST_REDIS) is not stopped by the tests.");
        }
        if (_process is { } process)
        {
            await end(process);
            await process.DisposeAsync();
            _process = null;
        }
    }

    private static async Task<RedisServer> StartSharedAsync()
    {
        var external = Environment.GetEnvironmentVariable("CHAT_TEST_REDIS");
        if (string.IsNullOrWhiteSpace(external))
        {
            return await StartNewAsync();
        }
        // "host:port,option=value,...": the first element is the endpoint.
        var endpoint = external.Split(',')[0].Trim();
        var colon = endpoint.LastIndexOf(':');
        return colon < 0
            ? new RedisServer(external, endpoint, 6379, null)
            : new RedisServer(external, endpoint[..colon], int.Parse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture), null);
    }

    private sealed record RedisUsers(string AdminPassword, string EdgePassword);

    [GeneratedRegex("Ready to accept connections")]
    private static partial Regex ReadyLine();
}

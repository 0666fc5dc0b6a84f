using System.Globalization;
using Npgsql;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>
/// A real PostgreSQL server for the tests: <c>initdb</c> and <c>pg_ctl</c> into this run's folder,
/// on a free loopback port, shared by the whole run (each test asks for its own database). When
/// <c>CHAT_TEST_POSTGRES</c> holds a connection string, that server is used instead.
/// </summary>
public sealed class PostgresServer
{
    private const string BinDir = "/usr/lib/postgresql/15/bin";
    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(StartSharedAsync);

    private readonly string? _dataDir;
    private readonly string? _socketDir;

    private PostgresServer(NpgsqlConnectionStringBuilder admin, string? dataDir, string? socketDir)
    {
        Admin = admin;
        _dataDir = dataDir;
        _socketDir = socketDir;
    }

    /// <summary>Connection to the <c>postgres</c> maintenance database as a superuser.</summary>
    public NpgsqlConnectionStringBuilder Admin { get; }

    public int Port => Admin.Port;

    /// <summary>The run's server, started on first use.</summary>
    public static Task<PostgresServer> SharedAsync() => SharedServer.Value;

    /// <summary>Starts a server of its own (for tests that stop and restart it).</summary>
    public static async Task<PostgresServer> StartNewAsync()
    {
        var folder = TestRun.NewFolder("pg");
        var dataDir = Path.Combine(folder, "data");
        var socketDir = Path.Combine(folder, "sock");
        Directory.CreateDirectory(socketDir);
        if (Environment.UserName == "root")
        {
            await TestRun.RunAsync("chown", "-R", "postgres:postgres", folder);
        }
        await AsPostgresUser(Path.Combine(BinDir, "initdb"), "-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C.UTF-8");
        var server = new PostgresServer(
            new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = FreePort.Next(), Username = "postgres", Database = "postgres", Pooling = false },
            dataDir,
            socketDir);
        await server.StartAsync();
        return server;
    }

    /// <summary>(Re)starts the server process on its data folder and port.</summary>
    public async Task StartAsync()
    {
        if (_dataDir is null)
        {
            throw new InvalidOperationException("An external server (CHAT_TEST_POSTGRES) is not started by the tests.");
        }
        // fsync off: these are tests of behaviour, not of the disk; the benchmarks run with it on.
        var options = $"-p {Port} -k {_socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300";
        await AsPostgresUser(Path.Combine(BinDir, "pg_ctl"), "-D", _dataDir, "-l", Path.Combine(_dataDir, "server.log"), "-o", options, "-w", "-t", "30", "start");
        var pidLine = File.ReadLines(Path.Combine(_dataDir, "postmaster.pid")).First();
        TestRun.Register(int.Parse(pidLine, CultureInfo.InvariantCulture));
    }

    /// <summary>Stops the server: <c>immediate</c> is a crash as far as clients can tell.</summary>
    public Task StopAsync(string mode = "fast") =>
        _dataDir is null
            ? throw new InvalidOperationException("An external server (CHAT_TEST_POSTGRES) is not stopped by the tests.")
            : AsPostgresUser(Path.Combine(BinDir, "pg_ctl"), "-D", _dataDir, "-m", mode, "-w", "stop");

    /// <summary>A new, empty database and a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)].ToLowerInvariant();
        await using (var conn = new NpgsqlConnection(Admin.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(Admin.ConnectionString) { Database = name, Pooling = true };
        return builder.ConnectionString;
    }

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var external = Environment.GetEnvironmentVariable("CHAT_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(external))
        {
            return new PostgresServer(new NpgsqlConnectionStringBuilder(external) { Pooling = false }, null, null);
        }
        return await StartNewAsync();
    }

    /// <summary>PostgreSQL refuses to run as root; as root the tools run as the <c>postgres</c> user.</summary>
    private static Task<string> AsPostgresUser(string file, params string[] args)
    {
        if (Environment.UserName != "root")
        {
            return TestRun.RunAsync(file, args);
        }
        return TestRun.RunAsync("runuser", ["-u", "postgres", "--", file, .. args]);
    }
}

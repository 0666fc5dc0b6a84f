using System.Globalization;
using Chat.Bench;
using Npgsql;

// Usage: Chat.Bench profile "CONNECTION STRING" MESSAGES — where a stored message goes (issue 22);
// bench/store-profile.sh starts the server it needs and runs it.
if (args.Length > 0 && args[0] == "profile")
{
    await StoreProfile.RunAsync(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10_000);
    return;
}

// Usage: dotnet run -c Release --project bench/ChatBench -- "Host=127.0.0.1;Port=5432;Username=postgres" [seconds]
// The connection string names a server (and a user that may create databases); each scenario
// gets a fresh database on it. Run against a server with fsync on: commits are what is measured.
var admin = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("CHAT_BENCH_POSTGRES")
    ?? throw new ArgumentException("pass a PostgreSQL connection string (or set CHAT_BENCH_POSTGRES)");
var duration = TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10);
var root = FindRepositoryRoot();
int[] concurrencies = [1, 64];

// ChatService stores messages between accounts only: one UserService holds every name the
// scenarios use, registered before the clock starts.
await using var users = await ServiceLauncher.StartAsync(root, "UserService", new Dictionary<string, string>
{
    // A small pool: the store scenarios need the server's connections (max_connections, 100 by default).
    ["ConnectionStrings__Users"] = new NpgsqlConnectionStringBuilder(await CreateDatabaseAsync(admin, "bench_users")) { MaxPoolSize = 8 }.ConnectionString,
    ["Jwt__SigningKey"] = NewSigningKey(),
});
await Accounts.RegisterAsync(users.Address, Users.All(concurrencies.Max()));

var results = new List<LoadResult>();
foreach (var concurrency in concurrencies)
{
    results.Add(await RawInsertBench.RunAsync(await CreateDatabaseAsync(admin, "bench_raw"), concurrency, duration));
}
// The raw scenarios' idle connections would otherwise hold the server's slots the services need.
NpgsqlConnection.ClearAllPools();
foreach (var (scenario, groupCommit) in new[] { ("StoreMessage, unbatched", "false"), ("StoreMessage, group commit", "true") })
{
    foreach (var concurrency in concurrencies)
    {
        await using var service = await ServiceLauncher.StartAsync(root, "ChatService", new Dictionary<string, string>
        {
            ["ConnectionStrings__Messages"] = await CreateDatabaseAsync(admin, "bench_store"),
            ["Services__UserService"] = users.Address.ToString(),
            ["Storage__GroupCommit__Enabled"] = groupCommit,
        });
        results.Add(await GrpcStoreBench.RunAsync(scenario, service.Address, concurrency, duration));
    }
}

Console.WriteLine($"{Environment.ProcessorCount} cores, {duration.TotalSeconds:0} s per scenario");
Console.WriteLine("| scenario | concurrency | messages/s | vs raw INSERT | p50 ms | p99 ms |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
foreach (var r in results)
{
    var raw = results.First(x => x.Scenario == "raw INSERT" && x.Concurrency == r.Concurrency);
    Console.WriteLine($"| {r.Scenario} | {r.Concurrency} | {r.PerSecond:0} | {r.PerSecond / raw.PerSecond:0.00} | {r.P50Ms:0.0} | {r.P99Ms:0.0} |");
}

static async Task<string> CreateDatabaseAsync(string admin, string prefix)
{
    var name = $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 9)];
    await using (var connection = new NpgsqlConnection(admin))
    {
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
    }
    return new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = 100 }.ConnectionString;
}

static string NewSigningKey()
{
    using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
    return key.ExportPkcs8PrivateKeyPem();
}

static string FindRepositoryRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Chat.sln")))
    {
        dir = dir.Parent;
    }
    return dir?.FullName ?? throw new InvalidOperationException("Chat.sln not found above " + AppContext.BaseDirectory);
}

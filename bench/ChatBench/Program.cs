using System.Globalization;
using Chat.Bench;
using Npgsql;

// Usage: dotnet run -c Release --project bench/ChatBench -- "Host=127.0.0.1;Port=5432;Username=postgres" [seconds]
// The connection string names a server (and a user that may create databases); each scenario
// gets a fresh database on it. Run against a server with fsync on: commits are what is measured.
var admin = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("CHAT_BENCH_POSTGRES")
    ?? throw new ArgumentException("pass a PostgreSQL connection string (or set CHAT_BENCH_POSTGRES)");
var duration = TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10);
var root = FindRepositoryRoot();
int[] concurrencies = [1, 64];

var results = new List<LoadResult>();
foreach (var concurrency in concurrencies)
{
    results.Add(await RawInsertBench.RunAsync(await CreateDatabaseAsync(admin, "bench_raw"), concurrency, duration));
}
foreach (var (scenario, groupCommit) in new[] { ("StoreMessage, unbatched", "false"), ("StoreMessage, group commit", "true") })
{
    foreach (var concurrency in concurrencies)
    {
        await using var service = await ChatServiceLauncher.StartAsync(root, new Dictionary<string, string>
        {
            ["ConnectionStrings__Messages"] = await CreateDatabaseAsync(admin, "bench_store"),
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

static string FindRepositoryRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Chat.sln")))
    {
        dir = dir.Parent;
    }
    return dir?.FullName ?? throw new InvalidOperationException("Chat.sln not found above " + AppContext.BaseDirectory);
}

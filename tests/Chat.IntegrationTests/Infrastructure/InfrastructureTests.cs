using Npgsql;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>The fixtures themselves: a broken fixture would make every other test meaningless.</summary>
public sealed class InfrastructureTests
{
    [Fact]
    public async Task Postgres_fixture_serves_a_fresh_database()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("fixture");

        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT current_database()", conn);
        var name = (string?)await cmd.ExecuteScalarAsync();

        Assert.StartsWith("fixture_", name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_that_outlasts_its_limit_is_stopped_and_fails_with_what_it_printed()
    {
        var pidFile = Path.Combine(TestRun.NewFolder("stalled"), "pid");

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            TestRun.RunAsync(TimeSpan.FromMilliseconds(500), "sh", "-c", $"echo $$ > {pidFile}; echo started; exec sleep 300"));

        Assert.Contains("did not finish within", error.Message, StringComparison.Ordinal);
        Assert.Contains("started", error.Message, StringComparison.Ordinal);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(Directory.Exists($"/proc/{pid}"), "the stalled command still runs");
    }
}

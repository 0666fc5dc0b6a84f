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
}

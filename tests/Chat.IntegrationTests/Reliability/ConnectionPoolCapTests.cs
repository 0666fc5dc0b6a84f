using Chat.ServiceDefaults.Postgres;
using Chat.IntegrationTests.Infrastructure;
using Npgsql;

namespace Chat.IntegrationTests.Reliability;

/// <summary>
/// The services cap their PostgreSQL pools so that a burst of calls waits for a connection
/// instead of exhausting the server's max_connections.
/// </summary>
public sealed class ConnectionPoolCapTests
{
    [Fact]
    public async Task Past_the_cap_a_caller_waits_for_a_connection_rather_than_opening_one_more()
    {
        var postgres = await PostgresServer.SharedAsync();
        var database = await postgres.CreateDatabaseAsync("poolcap");
        await using var dataSource = NpgsqlDataSource.Create(ConnectionPoolCap.Apply(database, 2));

        await using var first = await dataSource.OpenConnectionAsync();
        await using var second = await dataSource.OpenConnectionAsync();
        var third = dataSource.OpenConnectionAsync().AsTask();
        // Real time must pass: "still waiting" is no event. Had the pool opened a third
        // connection, a local server would have given it well within this.
        await Task.Delay(300);
        var waitedWhileFull = !third.IsCompleted;
        await first.CloseAsync(); // back to the pool: the waiting caller gets it
        await using var got = await third.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(waitedWhileFull);
        Assert.Equal(1, await new NpgsqlCommand("SELECT 1", got).ExecuteScalarAsync());
    }
}

using Chat.ServiceDefaults.Postgres;
using Chat.IntegrationTests.Infrastructure;
using Npgsql;

namespace Chat.IntegrationTests.Reliability;

/// <summary>
/// The services' PostgreSQL pools as <see cref="ConnectionStringDefaults"/> configures them, on a
/// real server: capped, so that a burst of calls waits for a connection instead of exhausting the
/// server's max_connections; and handing a connection back without the session reset, while a
/// transaction left open is still rolled back.
/// </summary>
public sealed class ServicePoolTests
{
    [Fact]
    public async Task Past_the_cap_a_caller_waits_for_a_connection_rather_than_opening_one_more()
    {
        await using var dataSource = await PoolAsync("poolcap", maxPoolSize: 2);

        await using var first = await dataSource.OpenConnectionAsync();
        await using var second = await dataSource.OpenConnectionAsync();
        var firstServerProcess = first.ProcessID;
        var third = dataSource.OpenConnectionAsync().AsTask();
        await first.CloseAsync(); // back to the pool: the waiting caller gets it
        await using var got = await third.WaitAsync(TimeSpan.FromSeconds(10));

        // Had the pool opened a third connection, the caller would hold a new server process.
        Assert.Equal(firstServerProcess, got.ProcessID);
        Assert.NotEqual(second.ProcessID, got.ProcessID);
    }

    [Fact]
    public async Task A_connection_comes_back_from_the_pool_without_the_session_reset()
    {
        await using var dataSource = await PoolAsync("poolreset", maxPoolSize: 1);

        await using (var used = await dataSource.OpenConnectionAsync())
        {
            await Execute(used, "SET chat.marker = 'kept'");
        }
        await using var next = await dataSource.OpenConnectionAsync();

        // RESET ALL, the first of the reset's commands, would have cleared it.
        Assert.Equal("kept", await Scalar(next, "SELECT current_setting('chat.marker', true)"));
    }

    [Fact]
    public async Task A_transaction_left_open_is_rolled_back_when_its_connection_goes_back()
    {
        await using var dataSource = await PoolAsync("poolrollback", maxPoolSize: 1);
        await using (var setup = await dataSource.OpenConnectionAsync())
        {
            await Execute(setup, "CREATE TABLE written (n int)");
        }

        await using (var abandoned = await dataSource.OpenConnectionAsync())
        {
            await using var transaction = await abandoned.BeginTransactionAsync();
            await Execute(abandoned, "INSERT INTO written VALUES (1)");
            // Closed while its transaction is neither committed, rolled back nor disposed.
            await abandoned.CloseAsync();
        }
        await using var next = await dataSource.OpenConnectionAsync();

        // The same server process (a pool of one): had its transaction stayed open, the row
        // would be visible here.
        Assert.Equal(0L, await Scalar(next, "SELECT count(*) FROM written"));
    }

    private static async Task<NpgsqlDataSource> PoolAsync(string name, int maxPoolSize)
    {
        var postgres = await PostgresServer.SharedAsync();
        var database = await postgres.CreateDatabaseAsync(name);
        return NpgsqlDataSource.Create(ConnectionStringDefaults.Apply(database, maxPoolSize));
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}

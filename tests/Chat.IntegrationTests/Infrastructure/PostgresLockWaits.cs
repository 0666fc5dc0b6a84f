using Npgsql;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>
/// Queries of a database that wait for a lock another transaction holds, as PostgreSQL reports
/// them (<c>pg_stat_activity</c>): how a test knows that a store has reached the lock it holds,
/// or that a cancelled one has let go, without sleeping.
/// </summary>
public static class PostgresLockWaits
{
    /// <summary>Waits until the number of queries waiting for a lock in <paramref name="connection"/>'s database satisfies <paramref name="holds"/>.</summary>
    public static async Task UntilAsync(NpgsqlConnection connection, Func<long, bool> holds, string what, TimeSpan? within = null)
    {
        await using var waiting = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection);
        await Eventually.TrueAsync(async () => holds((long)(await waiting.ExecuteScalarAsync())!), what, within);
    }
}

using Npgsql;

namespace Chat.Bench;

/// <summary>The ceiling: one autocommitted single-row INSERT per message, straight to PostgreSQL.</summary>
internal static class RawInsertBench
{
    public static async Task<LoadResult> RunAsync(string connectionString, int concurrency, TimeSpan duration)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var create = dataSource.CreateCommand(
            "CREATE TABLE IF NOT EXISTS raw_messages (id bigserial PRIMARY KEY, sender text NOT NULL, recipient text NOT NULL, body text NOT NULL, sent_at timestamptz NOT NULL DEFAULT now())"))
        {
            await create.ExecuteNonQueryAsync();
        }
        return await LoadRunner.RunAsync("raw INSERT", concurrency, duration, async (worker, i) =>
        {
            await using var insert = dataSource.CreateCommand("INSERT INTO raw_messages (sender, recipient, body) VALUES ($1, $2, $3)");
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Users.Sender(worker) });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Users.Recipient(worker, i) });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Users.Text });
            await insert.ExecuteNonQueryAsync();
        });
    }
}

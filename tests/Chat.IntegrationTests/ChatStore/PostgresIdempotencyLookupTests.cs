using System.Text.Json;
using Chat.ChatService.Storage.Postgres;
using Chat.IntegrationTests.Infrastructure;
using Npgsql;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>
/// The group commit's lookup of already stored client ids costs one index probe per message of
/// the batch, not a read of every message with a client id, even on statistics that no longer
/// describe the table (as they do not in a large database between two automatic analyses).
/// </summary>
public sealed class PostgresIdempotencyLookupTests
{
    [Fact]
    public async Task The_lookup_probes_the_index_once_per_key_on_stale_statistics()
    {
        var server = await PostgresServer.SharedAsync();
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("idemlookup"));
        await new PostgresDatabase(dataSource).InitializeAsync(CancellationToken.None);
        await using var connection = await dataSource.OpenConnectionAsync();
        // Statistics taken while no message had a client id; then 5,000 that have one.
        await Execute(connection, """
            INSERT INTO messages (id, conversation, sender, recipient, body, sent_at)
            SELECT i, 'd:older', 'older', 'someone', 'text', now() FROM generate_series(1, 5000) AS i;
            ANALYZE messages;
            INSERT INTO messages (id, conversation, sender, recipient, body, client_id, sent_at)
            SELECT 5000 + i, 'd:keyed', 'keyed', 'someone', 'text', 'c' || i, now() FROM generate_series(1, 5000) AS i;
            """);

        // As the batch writer runs it: a generic plan (PostgresBatchWriter sets the same).
        await Execute(connection, "SET plan_cache_mode = force_generic_plan");
        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, FORMAT JSON) " + PostgresBatchWriter.StoredByClientId, connection);
        explain.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ["keyed", "keyed"] });
        explain.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ["c7", "absent"] });
        var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync())!).RootElement[0].GetProperty("Plan");

        var reads = Nodes(plan).Where(n => n.TryGetProperty("Relation Name", out var relation) && relation.GetString() == "messages").ToList();
        var read = Assert.Single(reads);
        // A probe by both columns once per key; the plan this replaced scanned the whole index
        // once and matched every entry against the keys (no Index Cond, 5,000 rows).
        var condition = read.TryGetProperty("Index Cond", out var found) ? found.GetString() : "none: the whole index read";
        Assert.Contains("sender", condition, StringComparison.Ordinal);
        Assert.Contains("client_id", condition, StringComparison.Ordinal);
        Assert.Equal(2, read.GetProperty("Actual Loops").GetInt32());
    }

    private static IEnumerable<JsonElement> Nodes(JsonElement node) =>
        node.TryGetProperty("Plans", out var children)
            ? children.EnumerateArray().SelectMany(Nodes).Prepend(node)
            : [node];

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

using System.Diagnostics;
using System.Globalization;
using Chat.ChatService.Storage;
using Chat.ChatService.Storage.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Chat.Bench;

/// <summary>
/// Where a stored message goes (issue 22): the product's PostgreSQL store code, in process, stores
/// a fixed sequence of 1:1 messages (<see cref="StoreWorkload"/>) on a fresh database per writer,
/// and the server's own counters say what each message cost: WAL bytes, statements, commits,
/// heap tuples and index entries per table and index, bytes on disk. Counts, not timings: on a
/// shared machine they are the figures that repeat. The read paths run afterwards under
/// auto_explain (plans in the server log, printed by bench/store-profile.sh).
/// </summary>
internal static class StoreProfile
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static async Task RunAsync(string adminConnection, int messages)
    {
        await using var admin = NpgsqlDataSource.Create(adminConnection);
        Writer[] writers =
        [
            new("one transaction per message (PostgresMessageStore)", StoreOneByOneAsync),
            new("batches of 16 (PostgresBatchWriter)", (db, from, count) => StoreInBatchesAsync(db, from, count, 16)),
            new("batches of 128 (PostgresBatchWriter)", (db, from, count) => StoreInBatchesAsync(db, from, count, 128)),
            new("group commit store, 64 callers (GroupCommitMessageStore, MaxBatch 128, Writers 2)", (db, from, count) => StoreConcurrentlyAsync(db, from, count, writers: 2)),
            new("group commit store, 64 callers, Writers 1", (db, from, count) => StoreConcurrentlyAsync(db, from, count, writers: 1)),
        ];
        var summary = new List<string>();
        var details = new List<string>();
        string? lastDatabase = null;
        foreach (var writer in writers)
        {
            var (name, line, detail) = await ProfileAsync(admin, adminConnection, writer, messages);
            summary.Add(line);
            details.Add(detail);
            lastDatabase = name;
        }
        Console.WriteLine($"## Per stored message: {messages:N0} messages after a {StoreWorkload.WarmUp:N0}-message warm-up, {StoreWorkload.UserCount} users, fsync and synchronous_commit on");
        Console.WriteLine();
        Console.WriteLine("| writer | transactions | WAL flushes | statements | WAL bytes | WAL records | full-page images | heap tuples written (HOT) | index entries | table+index bytes | stored in |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        summary.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine("Transactions include the pool's DISCARD ALL (its own transaction, one per connection use); WAL flushes are the");
        Console.WriteLine("durable commits. \"stored in\" is wall-clock time: noise on a shared machine, shown only for scale.");
        details.ForEach(Console.WriteLine);
        await ExplainReadsAsync(admin, adminConnection, lastDatabase!);
    }

    private sealed record Writer(string Name, Func<PostgresDatabase, int, int, Task> StoreAsync);

    private static async Task<(string Database, string Summary, string Detail)> ProfileAsync(NpgsqlDataSource admin, string adminConnection, Writer writer, int messages)
    {
        var name = $"profile_{Guid.NewGuid():N}"[..20];
        await using (var create = admin.CreateCommand($"CREATE DATABASE \"{name}\""))
        {
            await create.ExecuteNonQueryAsync();
        }
        var connection = new NpgsqlConnectionStringBuilder(adminConnection) { Database = name, MaxPoolSize = 100 }.ConnectionString;
        await using (var setup = NpgsqlDataSource.Create(connection))
        {
            await using var extension = setup.CreateCommand("CREATE EXTENSION pgstattuple");
            await extension.ExecuteNonQueryAsync();
        }

        await using (var warm = NpgsqlDataSource.Create(connection))
        {
            await writer.StoreAsync(new PostgresDatabase(warm), 0, StoreWorkload.WarmUp);
        }
        await WaitForBackendsToExitAsync(admin, name);

        await using var observer = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connection) { Pooling = false }.ConnectionString);
        var relationsBefore = await RelationCounters.ReadAsync(observer);
        await WaitForBackendsToExitAsync(admin, name);
        await using (var reset = admin.CreateCommand("SELECT pg_stat_statements_reset()"))
        {
            await reset.ExecuteNonQueryAsync();
        }
        var before = await ServerCounters.ReadAsync(admin, name);
        var clock = Stopwatch.StartNew();
        await using (var measured = NpgsqlDataSource.Create(connection))
        {
            // The schema check (one transaction) is counted: a service makes it once per process, as here.
            await writer.StoreAsync(new PostgresDatabase(measured), StoreWorkload.WarmUp, messages);
        }
        var elapsed = clock.Elapsed;
        // Backends report their counters when idle or exiting: wait until they have exited.
        await WaitForBackendsToExitAsync(admin, name);
        var after = await ServerCounters.ReadAsync(admin, name);
        var statements = await StatementCounters.ReadAsync(admin, name);
        var relationsAfter = await RelationCounters.ReadAsync(observer);

        double Per(long value) => (double)value / messages;
        var tables = relationsAfter.Tables.Keys.Order(StringComparer.Ordinal).Select(t => (Name: t, Before: relationsBefore.Tables[t], After: relationsAfter.Tables[t])).ToList();
        var heapWritten = tables.Sum(t => t.After.Inserted - t.Before.Inserted + t.After.Updated - t.Before.Updated + t.After.Deleted - t.Before.Deleted);
        var hot = tables.Sum(t => t.After.HotUpdated - t.Before.HotUpdated);
        var indexEntries = relationsAfter.Indexes.Sum(i => i.Value.Entries - relationsBefore.Indexes[i.Key].Entries);
        var bytes = tables.Sum(t => t.After.TableBytes - t.Before.TableBytes + t.After.IndexBytes - t.Before.IndexBytes);
        var statementCalls = statements.Sum(s => s.Calls);
        var summary = string.Create(Invariant,
            $"| {writer.Name} | {Per(after.Commits - before.Commits):0.000} | {Per(after.WalSyncs - before.WalSyncs):0.000} | {Per(statementCalls):0.00} | {Per(after.WalPosition - before.WalPosition):0} | "
            + $"{Per(after.WalRecords - before.WalRecords):0.00} | {Per(after.WalFullPages - before.WalFullPages):0.000} | {Per(heapWritten):0.00} ({Per(hot):0.00}) | "
            + $"{Per(indexEntries):0.00} | {Per(bytes):0} | {elapsed.TotalSeconds:0.0} s |");

        var detail = new System.Text.StringBuilder();
        detail.AppendLine(Invariant, $"\n### {writer.Name}\n");
        detail.AppendLine(Invariant, $"WAL: {Per(after.WalPosition - before.WalPosition):0} bytes, {Per(after.WalRecords - before.WalRecords):0.00} records, {Per(after.WalSyncs - before.WalSyncs):0.000} WAL fsyncs and {Per(after.Commits - before.Commits):0.000} commits per message.\n");
        detail.AppendLine("| table | inserted | updated | of which HOT | table bytes | index bytes | heap blocks touched | index blocks touched |");
        detail.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (table, b, a) in tables)
        {
            detail.AppendLine(Invariant, $"| {table} | {Per(a.Inserted - b.Inserted):0.00} | {Per(a.Updated - b.Updated):0.00} | {Per(a.HotUpdated - b.HotUpdated):0.00} | "
                + $"{Per(a.TableBytes - b.TableBytes):0} | {Per(a.IndexBytes - b.IndexBytes):0} | {Per(a.HeapBlocks - b.HeapBlocks):0.0} | {Per(a.IndexBlocks - b.IndexBlocks):0.0} |");
        }
        detail.AppendLine("\n| index | entries added | bytes |");
        detail.AppendLine("|---|---:|---:|");
        foreach (var (index, a) in relationsAfter.Indexes.OrderBy(i => i.Value.Table, StringComparer.Ordinal).ThenBy(i => i.Key, StringComparer.Ordinal))
        {
            var b = relationsBefore.Indexes[index];
            detail.AppendLine(Invariant, $"| {a.Table}.{index} | {Per(a.Entries - b.Entries):0.00} | {Per(a.Bytes - b.Bytes):0} |");
        }
        var totalMs = statements.Sum(s => s.ExecutionMs);
        detail.AppendLine("\n| statement | calls | share of execution time | rows per call | WAL bytes | blocks dirtied |");
        detail.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var s in statements)
        {
            detail.AppendLine(Invariant, $"| `{Shorten(s.Query)}` | {Per(s.Calls):0.000} | {100 * s.ExecutionMs / totalMs:0.0} % | {(double)s.Rows / s.Calls:0.0} | {Per(s.WalBytes):0} | {Per(s.BlocksDirtied):0.00} |");
        }
        return (name, summary, detail.ToString());
    }

    /// <summary>Each message its own transaction: the path group messages take, and 1:1 ones with group commit off.</summary>
    private static async Task StoreOneByOneAsync(PostgresDatabase database, int from, int count)
    {
        var store = new PostgresMessageStore(database, TimeProvider.System);
        for (var i = from; i < from + count; i++)
        {
            await store.StoreAsync(StoreWorkload.Message(i), CancellationToken.None);
        }
    }

    /// <summary>Batches of exactly <paramref name="size"/>: what group commit writes when that many stores are queued.</summary>
    private static async Task StoreInBatchesAsync(PostgresDatabase database, int from, int count, int size)
    {
        for (var start = from; start < from + count; start += size)
        {
            List<NewMessage> batch = [.. Enumerable.Range(start, Math.Min(size, from + count - start)).Select(StoreWorkload.Message)];
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await database.RunAsync(c => PostgresBatchWriter.WriteAsync(c, batch, DateTimeOffset.UtcNow, CancellationToken.None), CancellationToken.None);
                    break;
                }
                catch (PostgresException e) when (attempt < 5 && PostgresMessageWriter.IsWorthRetrying(e))
                {
                }
            }
        }
    }

    /// <summary>The store as deployed: 64 callers at once, batches as large as the queue happens to be.</summary>
    private static async Task StoreConcurrentlyAsync(PostgresDatabase database, int from, int count, int writers)
    {
        await using var store = new GroupCommitMessageStore(new PostgresMessageStore(database, TimeProvider.System), database, TimeProvider.System,
            Options.Create(new GroupCommitOptions { MaxBatch = 128, Writers = writers }));
        var next = from - 1;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < from + count; i = Interlocked.Increment(ref next))
            {
                await store.StoreAsync(StoreWorkload.Message(i), CancellationToken.None);
            }
        })));
    }

    /// <summary>
    /// Every read the store runs, once, through the product's code with auto_explain on for the
    /// database: each plan (actual rows and buffers) lands in the server log after a marker line.
    /// </summary>
    private static async Task ExplainReadsAsync(NpgsqlDataSource admin, string adminConnection, string name)
    {
        foreach (var setting in new[] { "auto_explain.log_min_duration = 0", "auto_explain.log_analyze = on", "auto_explain.log_buffers = on", "auto_explain.log_timing = off" })
        {
            await using var alter = admin.CreateCommand($"ALTER DATABASE \"{name}\" SET {setting}");
            await alter.ExecuteNonQueryAsync();
        }
        await using (var analyze = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(adminConnection) { Database = name }.ConnectionString))
        {
            await using var command = analyze.CreateCommand("ANALYZE");
            await command.ExecuteNonQueryAsync();
        }
        var connection = new NpgsqlConnectionStringBuilder(adminConnection) { Database = name, Pooling = false }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connection);
        var database = new PostgresDatabase(dataSource);
        var messages = new PostgresMessageStore(database, TimeProvider.System);
        var conversations = new PostgresConversationStore(database, TimeProvider.System);
        var (alice, bob) = (StoreWorkload.User(0), StoreWorkload.User(1));
        await using var groupCommit = new GroupCommitMessageStore(messages, database, TimeProvider.System, Options.Create(new GroupCommitOptions { MaxBatch = 128, Writers = 1 }));

        await MarkAsync(dataSource, "history by conversation (GetConversation)");
        var history = await messages.GetConversationAsync(alice, bob, 0, 50, CancellationToken.None);
        await MarkAsync(dataSource, "history, next page");
        await messages.GetConversationAsync(alice, bob, history.Messages[^1].Id, 50, CancellationToken.None);
        await MarkAsync(dataSource, "inbox sync from the delivery mark (GetInbox, after = null)");
        var inbox = await messages.GetInboxAsync(bob, null, 100, CancellationToken.None);
        await MarkAsync(dataSource, "inbox sync after an id (GetInbox, after = id)");
        await messages.GetInboxAsync(bob, inbox.Messages[^10].Id, 100, CancellationToken.None);
        await MarkAsync(dataSource, "idempotency, batched: a retried client id through group commit");
        await groupCommit.StoreAsync(StoreWorkload.Message(StoreWorkload.WarmUp), CancellationToken.None);
        await MarkAsync(dataSource, "idempotency, unbatched: a retried client id (unique violation, then lookup)");
        await messages.StoreAsync(StoreWorkload.Message(StoreWorkload.WarmUp + 1), CancellationToken.None);
        await MarkAsync(dataSource, "conversation list, first page (ListConversations)");
        var page = await conversations.ListConversationsAsync(alice, 5, null, CancellationToken.None);
        await MarkAsync(dataSource, "conversation list, next page");
        await conversations.ListConversationsAsync(alice, 5, page.NextPage, CancellationToken.None);
        await MarkAsync(dataSource, "read mark (MarkRead)");
        await conversations.MarkReadAsync(alice, new ConversationRef(bob, null), history.Messages[0].Id, CancellationToken.None);
        await MarkAsync(dataSource, "delivery marks (AdvanceDeliveryMarks)");
        await messages.AdvanceDeliveryMarksAsync([new DeliveryMark(bob, inbox.Messages[^1].Id)], CancellationToken.None);
        await MarkAsync(dataSource, "a group of 8: create, then one message (StoreGroupMessage)");
        var group = await conversations.CreateGroupAsync(alice, "profile", [.. Enumerable.Range(1, 7).Select(StoreWorkload.User)], 256, CancellationToken.None);
        await conversations.StoreGroupMessageAsync(new NewGroupMessage(alice, group.Id, Users.Text, "group-1"), CancellationToken.None);
        await MarkAsync(dataSource, "end of reads");

        await using var reset = admin.CreateCommand($"ALTER DATABASE \"{name}\" RESET ALL");
        await reset.ExecuteNonQueryAsync();
    }

    private static async Task MarkAsync(NpgsqlDataSource dataSource, string label)
    {
        await using var command = dataSource.CreateCommand($"DO $$ BEGIN RAISE LOG 'store-profile read: %', {Quote(label)}; END $$");
        await command.ExecuteNonQueryAsync();
    }

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static async Task WaitForBackendsToExitAsync(NpgsqlDataSource admin, string database)
    {
        NpgsqlConnection.ClearAllPools();
        for (var waited = 0; ; waited++)
        {
            await using var command = admin.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database });
            if ((long)(await command.ExecuteScalarAsync())! == 0 || waited > 100)
            {
                return;
            }
            await Task.Delay(50);
        }
    }

    private static string Shorten(string query)
    {
        var flat = string.Join(' ', query.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries)).Replace("|", "\\|", StringComparison.Ordinal);
        return flat.Length <= 120 ? flat : flat[..117] + "...";
    }
}

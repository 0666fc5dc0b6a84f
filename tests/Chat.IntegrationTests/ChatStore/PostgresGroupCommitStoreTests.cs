using Chat.ChatService.Storage;
using Chat.ChatService.Storage.Postgres;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>The store contract against PostgreSQL with group commit: batched stores keep every promise.</summary>
public sealed class PostgresGroupCommitStoreTests : MessageStoreContract, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;
    private GroupCommitMessageStore? _store;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        _dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("chatbatch"));
        var database = new PostgresDatabase(_dataSource);
        _store = new GroupCommitMessageStore(
            new PostgresMessageStore(database, TimeProvider.System), database, TimeProvider.System,
            Options.Create(new GroupCommitOptions { MaxBatch = 16, Writers = 2 }));
        await _store.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    protected override Task<IMessageStore> StoreAsync() => Task.FromResult<IMessageStore>(_store!);

    [Fact]
    public async Task A_value_PostgreSQL_refuses_fails_its_own_message_only_and_as_bad_input()
    {
        // Requests check for NUL before they reach the store; this is the store's own answer if
        // one ever gets past them. Sent together, so the bad one shares a batch with good ones.
        var (alice, bob) = ($"alice-{Guid.NewGuid():N}", $"bob-{Guid.NewGuid():N}");
        var stores = Enumerable.Range(0, 200)
            .Select(i => _store!.StoreAsync(new NewMessage(alice, bob, i == 100 ? "bad\0text" : $"m{i}", $"c-{i}"), CancellationToken.None))
            .ToList();

        await Assert.ThrowsAsync<ArgumentException>(() => stores[100]);
        var stored = await Task.WhenAll(stores.Where((_, i) => i != 100));
        Assert.Equal(199, stored.Select(r => r.Message.Id).Distinct().Count());
    }

    [Fact]
    public async Task Messages_batched_together_leave_each_conversation_at_its_latest_message()
    {
        // Sent at once, so batches hold several messages of one conversation, both directions and
        // notes to self among them: each side's row is written once per batch, at the highest id.
        var (alice, bob, carol) = ($"alice-{Guid.NewGuid():N}", $"bob-{Guid.NewGuid():N}", $"carol-{Guid.NewGuid():N}");
        (string From, string To)[] pairs = [(alice, bob), (bob, alice), (alice, alice), (carol, alice), (alice, bob)];
        var stored = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => _store!.StoreAsync(
            new NewMessage(pairs[i % pairs.Length].From, pairs[i % pairs.Length].To, $"m{i}", $"c-{i}"), CancellationToken.None)));

        var expected = stored
            .SelectMany(r => new[] { (Owner: r.Message.Sender, Peer: r.Message.Recipient!, r.Message.Id), (Owner: r.Message.Recipient!, Peer: r.Message.Sender, r.Message.Id) })
            .GroupBy(x => (x.Owner, x.Peer), x => x.Id)
            .ToDictionary(g => g.Key, g => g.Max());
        await using var command = _dataSource!.CreateCommand("SELECT username, peer, last_activity FROM conversations WHERE username = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = new[] { alice, bob, carol } });
        var rows = new Dictionary<(string Owner, string Peer), long>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetString(0), reader.GetString(1)), reader.GetInt64(2));
            }
        }
        Assert.Equal(expected.OrderBy(kv => kv.Key), rows.OrderBy(kv => kv.Key));
    }

    // A batch that waits for an inbox head another store holds must respect what that store
    // committed meanwhile: its ids and previous ids, and a client id it stored. (Both held too
    // for a one-statement writer tried in issue 22, whose snapshot predates the wait.)

    [Fact]
    public async Task A_batch_that_waited_for_a_head_numbers_above_what_the_heads_holder_left()
    {
        var (alice, bob) = ($"alice-{Guid.NewGuid():N}", $"bob-{Guid.NewGuid():N}");
        await _store!.StoreAsync(new NewMessage(alice, bob, "creates the heads", "c-0"), CancellationToken.None);

        StoreResult result;
        long ahead;
        await using (var holder = await HoldHeadAsync(bob))
        {
            var waiting = _store.StoreAsync(new NewMessage(alice, bob, "waited", "c-1"), CancellationToken.None);
            await WaitUntilTheBatchWaitsAsync();
            // As another store would leave bob's head: above every id this process has handed
            // out, so the batch gets past it only by reading the head after its wait. Only just
            // above: the process's id floor follows the ids it hands out, and other tests'
            // conversation lists order messages by id against the clock.
            ahead = MessageClock.NextId(DateTimeOffset.UtcNow, [0]) + 1;
            await holder.ExecuteAsync("UPDATE inbox_heads SET last_id = $1, last_received_id = $1 WHERE username = $2", ahead, bob);
            await holder.CommitAsync();
            result = await waiting;
        }

        Assert.False(result.Duplicate);
        Assert.True(result.Message.Id > ahead, $"id {result.Message.Id} is not above bob's head {ahead}");
        Assert.Equal(ahead, result.PreviousId);
    }

    [Fact]
    public async Task A_client_id_stored_while_the_batch_waited_for_its_heads_is_answered_with_that_message()
    {
        var (alice, bob) = ($"alice-{Guid.NewGuid():N}", $"bob-{Guid.NewGuid():N}");
        var before = await _store!.StoreAsync(new NewMessage(alice, bob, "creates the heads", "c-0"), CancellationToken.None);
        var firstId = MessageClock.NextId(DateTimeOffset.UtcNow, [before.Message.Id]);

        StoreResult retry;
        await using (var holder = await HoldHeadAsync(alice))
        {
            // The retry of a send whose first attempt is still being stored by another store.
            var waiting = _store.StoreAsync(new NewMessage(alice, bob, "the retry's text", "c-1"), CancellationToken.None);
            await WaitUntilTheBatchWaitsAsync();
            await holder.ExecuteAsync(
                "INSERT INTO messages (id, conversation, sender, recipient, body, client_id, previous_id, sent_at) VALUES ($1, $2, $3, $4, 'the first attempt', 'c-1', $5, now())",
                firstId, Chat.ChatService.Messages.ConversationKey.Direct(alice, bob), alice, bob, before.Message.Id);
            await holder.ExecuteAsync("UPDATE inbox_heads SET last_id = $1 WHERE username = $2", firstId, alice);
            await holder.CommitAsync();
            retry = await waiting;
        }

        Assert.True(retry.Duplicate);
        Assert.Equal(firstId, retry.Message.Id);
        Assert.Equal("the first attempt", retry.Message.Text);
    }

    /// <summary>A transaction of its own that holds <paramref name="user"/>'s inbox head locked until it commits.</summary>
    private async Task<HeldHead> HoldHeadAsync(string user)
    {
        var connection = await _dataSource!.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        var held = new HeldHead(connection, transaction);
        await held.ExecuteAsync("SELECT 1 FROM inbox_heads WHERE username = $1 FOR UPDATE", user);
        return held;
    }

    private async Task WaitUntilTheBatchWaitsAsync()
    {
        await using var connection = await _dataSource!.OpenConnectionAsync();
        await PostgresLockWaits.UntilAsync(connection, waiting => waiting > 0, "the batch waiting for the held head");
    }

    private sealed class HeldHead(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async Task ExecuteAsync(string sql, params object[] values)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }
            await command.ExecuteNonQueryAsync();
        }

        public Task CommitAsync() => transaction.CommitAsync();

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}

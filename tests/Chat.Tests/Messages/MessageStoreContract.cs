using Chat.ChatService.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Chat.Tests.Messages;

/// <summary>
/// The promises of <see cref="IMessageStore"/>, written once and run against every backend
/// (PostgreSQL always; MongoDB when CHAT_TEST_MONGO names a replica set).
/// </summary>
public abstract class MessageStoreContract : IAsyncLifetime
{
    private IMessageStore? _store;

    /// <summary>The backend under test, or null (with a reason) when it cannot be had here.</summary>
    protected abstract Task<(IMessageStore? Store, string? SkipReason)> CreateStoreAsync(MessageIds ids);

    private string? _skipReason;

    protected IMessageStore Store
    {
        get
        {
            Skip.If(_store is null, _skipReason);
            return _store!;
        }
    }

    protected static ILogger<T> Log<T>() => NullLogger<T>.Instance;

    public async Task InitializeAsync()
    {
        (_store, _skipReason) = await CreateStoreAsync(new MessageIds(Random.Shared.Next(1000), TimeProvider.System));
        if (_store is not null)
        {
            await _store.InitializeAsync(CancellationToken.None);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string NewUser() => $"s{Guid.NewGuid():N}"[..16];

    [SkippableFact]
    public async Task Ids_grow_per_recipient_and_chain_previous_ids()
    {
        var (alice, bob) = (NewUser(), NewUser());
        var results = new List<StoreResult>();
        for (var i = 0; i < 5; i++)
        {
            results.Add(await Store.StoreAsync(new NewMessage(alice, bob, $"m{i}", null), CancellationToken.None));
        }
        var ids = results.Select(r => r.Message.Id).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(["", .. ids[..^1]], results.Select(r => r.PreviousId));
    }

    [SkippableFact]
    public async Task Concurrent_stores_with_one_client_id_keep_one_message()
    {
        var (alice, bob) = (NewUser(), NewUser());
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            Store.StoreAsync(new NewMessage(alice, bob, "once", "k-1"), CancellationToken.None)));
        Assert.Single(results.Select(r => r.Message.Id).Distinct());
        Assert.Single(results, r => !r.Duplicate);
        Assert.Single((await Store.SyncAsync(bob, after: "", 10, CancellationToken.None)).Messages);
    }

    [SkippableFact]
    public async Task Concurrent_writers_to_one_recipient_produce_an_ordered_complete_inbox()
    {
        var bob = NewUser();
        var writes = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await Store.StoreAsync(new NewMessage($"w{w}{bob}"[..16], bob, $"{w}:{i}", null), CancellationToken.None);
            }
        }));
        await Task.WhenAll(writes);
        var page = await Store.SyncAsync(bob, after: "", 500, CancellationToken.None);
        Assert.Equal(200, page.Messages.Count);
        Assert.Equal(200, page.Messages.Select(m => m.Id).Distinct().Count());
        Assert.Equal(page.Messages.Select(m => m.Id).Order(StringComparer.Ordinal), page.Messages.Select(m => m.Id));
    }

    [SkippableFact]
    public async Task The_delivery_mark_only_moves_forward_and_sync_starts_after_it()
    {
        var (alice, bob) = (NewUser(), NewUser());
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await Store.StoreAsync(new NewMessage(alice, bob, $"m{i}", null), CancellationToken.None)).Message.Id);
        }
        Assert.Equal(ids[1], await Store.AckDeliveredAsync(bob, ids[1], CancellationToken.None));
        Assert.Equal(ids[1], await Store.AckDeliveredAsync(bob, ids[0], CancellationToken.None));
        var page = await Store.SyncAsync(bob, after: null, 10, CancellationToken.None);
        Assert.Equal(ids[1], page.After);
        Assert.Equal(ids[2], Assert.Single(page.Messages).Id);
    }

    [SkippableFact]
    public async Task History_reads_a_conversation_both_ways_newest_first()
    {
        var (alice, bob) = (NewUser(), NewUser());
        var a = await Store.StoreAsync(new NewMessage(alice, bob, "hi", null), CancellationToken.None);
        var b = await Store.StoreAsync(new NewMessage(bob, alice, "hello", null), CancellationToken.None);
        var history = await Store.HistoryAsync(alice, bob, before: null, 10, CancellationToken.None);
        Assert.Equal([b.Message.Id, a.Message.Id], history.Select(m => m.Id));
        Assert.Equal([a.Message.Id], (await Store.HistoryAsync(bob, alice, b.Message.Id, 10, CancellationToken.None)).Select(m => m.Id));
    }
}

public sealed class PostgresMessageStoreTests : MessageStoreContract
{
    protected override async Task<(IMessageStore?, string?)> CreateStoreAsync(MessageIds ids)
    {
        var connectionString = await (await Infrastructure.PostgresServer.SharedAsync()).CreateDatabaseAsync("store");
        var store = new global::Chat.ChatService.Storage.Postgres.PostgresMessageStore(Npgsql.NpgsqlDataSource.Create(connectionString), ids, Log<global::Chat.ChatService.Storage.Postgres.PostgresMessageStore>());
        return (store, null);
    }
}

/// <summary>Needs a MongoDB replica set (transactions): CHAT_TEST_MONGO, as the compose test profile sets.</summary>
public sealed class MongoMessageStoreTests : MessageStoreContract
{
    protected override Task<(IMessageStore?, string?)> CreateStoreAsync(MessageIds ids)
    {
        var connectionString = Environment.GetEnvironmentVariable("CHAT_TEST_MONGO");
        if (string.IsNullOrEmpty(connectionString))
        {
            return Task.FromResult<(IMessageStore?, string?)>((null, "CHAT_TEST_MONGO is not set: no MongoDB server here (run `docker compose --profile test run --rm tests`)"));
        }
        var client = new MongoDB.Driver.MongoClient(connectionString);
        var store = new global::Chat.ChatService.Storage.Mongo.MongoMessageStore(client, $"chat_test_{Guid.NewGuid():N}", ids, Log<global::Chat.ChatService.Storage.Mongo.MongoMessageStore>());
        return Task.FromResult<(IMessageStore?, string?)>((store, null));
    }
}

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
}

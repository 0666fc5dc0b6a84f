using Chat.ChatService.Storage;
using Chat.ChatService.Storage.Postgres;
using Chat.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Chat.Tests.ChatStore;

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
}

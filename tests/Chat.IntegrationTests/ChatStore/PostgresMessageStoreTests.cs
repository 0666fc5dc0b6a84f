using Chat.ChatService.Storage;
using Chat.ChatService.Storage.Postgres;
using Chat.IntegrationTests.Infrastructure;
using Npgsql;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>The store contract against a real PostgreSQL server (one database for the class).</summary>
public sealed class PostgresMessageStoreTests : MessageStoreContract, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;
    private PostgresMessageStore? _store;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        _dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("chatstore"));
        _store = new PostgresMessageStore(new PostgresDatabase(_dataSource), TimeProvider.System);
        await _store.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    protected override Task<IMessageStore> StoreAsync() => Task.FromResult<IMessageStore>(_store!);

    [Fact]
    public async Task Applying_the_schema_again_changes_nothing()
    {
        var again = new PostgresMessageStore(new PostgresDatabase(_dataSource!), TimeProvider.System);

        await again.InitializeAsync(CancellationToken.None);

        await using var command = _dataSource!.CreateCommand("SELECT count(*) FROM schema_migrations");
        Assert.Equal(3L, await command.ExecuteScalarAsync());
    }
}

using Chat.ChatService.Storage;
using Chat.ChatService.Storage.Postgres;
using Chat.IntegrationTests.Infrastructure;
using Npgsql;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>The conversation store contract against a real PostgreSQL server.</summary>
public sealed class PostgresConversationStoreTests : ConversationStoreContract, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;
    private (IMessageStore, IConversationStore) _stores;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        _dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("chatgroups"));
        var database = new PostgresDatabase(_dataSource);
        await database.InitializeAsync(CancellationToken.None);
        _stores = (new PostgresMessageStore(database, TimeProvider.System), new PostgresConversationStore(database, TimeProvider.System));
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    protected override Task<(IMessageStore Messages, IConversationStore Conversations)> StoresAsync() => Task.FromResult(_stores);
}

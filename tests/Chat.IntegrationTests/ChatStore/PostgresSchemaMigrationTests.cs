using Chat.ChatService.Storage;
using Chat.ChatService.Storage.Postgres;
using Chat.IntegrationTests.Infrastructure;
using Npgsql;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>
/// A database an older release created and filled, upgraded by today's store at start: the steps
/// it lacks are applied once, and what it held is listed and extended as if written today.
/// </summary>
public sealed class PostgresSchemaMigrationTests : IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        _dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("chatmigrate"));
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_database_of_schema_2_with_messages_is_upgraded_and_its_conversation_list_keeps_its_order()
    {
        var (alice, bob, carol) = ("alice", "bob", "carol");
        await using (var connection = await _dataSource!.OpenConnectionAsync())
        {
            await PostgresSchema.ApplyAsync(connection, through: 2, CancellationToken.None);
            // What release 2 wrote for alice: two 1:1 conversations, carol's the more recent (keys as ConversationKey.Direct makes them).
            await using var rows = new NpgsqlCommand("""
                INSERT INTO inbox_heads (username, last_id, last_received_id) VALUES ('alice', 20, 20), ('bob', 20, 10), ('carol', 20, 0);
                INSERT INTO messages (id, conversation, sender, recipient, body, previous_id, sent_at) VALUES
                    (10, 'd:5:alice:bob', 'alice', 'bob', 'old to bob', 0, now()),
                    (20, 'd:5:alice:carol', 'carol', 'alice', 'newer from carol', 0, now());
                INSERT INTO conversations (username, conversation, peer, last_activity) VALUES
                    ('alice', 'd:5:alice:bob', 'bob', 10), ('bob', 'd:5:alice:bob', 'alice', 10),
                    ('alice', 'd:5:alice:carol', 'carol', 20), ('carol', 'd:5:alice:carol', 'alice', 20);
                """, connection);
            await rows.ExecuteNonQueryAsync();
        }
        var database = new PostgresDatabase(_dataSource);
        var messages = new GroupCommitMessageStore(new PostgresMessageStore(database, TimeProvider.System), database, TimeProvider.System,
            Microsoft.Extensions.Options.Options.Create(new GroupCommitOptions()));
        await using var _ = messages;
        var conversations = new PostgresConversationStore(database, TimeProvider.System);

        await messages.InitializeAsync(CancellationToken.None);
        var listedAfterUpgrade = await conversations.ListConversationsAsync(alice, 1, null, CancellationToken.None);
        var secondPage = await conversations.ListConversationsAsync(alice, 1, listedAfterUpgrade.NextPage, CancellationToken.None);
        var reply = await messages.StoreAsync(new NewMessage(bob, alice, "reply", "r1"), CancellationToken.None);
        var listedAfterReply = await conversations.ListConversationsAsync(alice, 10, null, CancellationToken.None);

        Assert.Equal([3], await ScalarsAsync<int>("SELECT version FROM schema_migrations WHERE version > 2"));
        Assert.Empty(await ScalarsAsync<string>("SELECT indexname FROM pg_indexes WHERE indexname = 'conversations_recent'"));
        Assert.Equal(["fillfactor=70"], await ScalarsAsync<string>("SELECT unnest(reloptions) FROM pg_class WHERE relname = 'conversations'"));
        Assert.Equal(carol, listedAfterUpgrade.Conversations.Single().Peer);
        Assert.Equal((bob, "old to bob"), (secondPage.Conversations.Single().Peer, secondPage.Conversations.Single().LastMessage!.Text));
        Assert.Null(secondPage.NextPage);
        Assert.Equal(20, reply.PreviousId);
        Assert.Equal([bob, carol], listedAfterReply.Conversations.Select(c => c.Peer));
        Assert.Equal(reply.Message.Id, listedAfterReply.Conversations[0].LastMessage!.Id);
    }

    private async Task<List<T>> ScalarsAsync<T>(string sql)
    {
        await using var command = _dataSource!.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }
        return values;
    }
}

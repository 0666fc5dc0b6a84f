using System.Collections.Concurrent;
using Chat.ChatService.Storage;
using Chat.ChatService.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Events;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>
/// The commands the MongoDB store sends, seen through the driver's command events, when
/// <c>CHAT_TEST_MONGO</c> holds a replica set's URL (MongoDB 5.0 or later); skipped otherwise.
/// </summary>
public sealed class MongoCommandTests
{
    private readonly ConcurrentQueue<CommandStartedEvent> _commands = new();

    private Action<CommandStartedEvent>? _onCommand;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static string User(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];

    private async Task<(MongoMessageStore Messages, MongoConversationStore Conversations)> StoresAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable("CHAT_TEST_MONGO");
        Skip.If(string.IsNullOrWhiteSpace(connectionString), "CHAT_TEST_MONGO is not set: no MongoDB server to test against.");
        var settings = MongoClientSettings.FromConnectionString(connectionString);
        settings.ClusterConfigurator = cluster => cluster.Subscribe<CommandStartedEvent>(e =>
        {
            _commands.Enqueue(e);
            _onCommand?.Invoke(e);
        });
        var db = new MongoCollections(new MongoClient(settings), $"chat_test_{Guid.NewGuid():N}");
        await db.InitializeAsync(Timeout);
        return (new MongoMessageStore(db, TimeProvider.System), new MongoConversationStore(db, TimeProvider.System));
    }

    private List<CommandStartedEvent> Take()
    {
        var taken = new List<CommandStartedEvent>();
        while (_commands.TryDequeue(out var e))
        {
            taken.Add(e);
        }
        return taken;
    }

    [SkippableFact]
    public async Task A_batch_of_delivery_marks_is_one_read_and_one_write()
    {
        var (store, _) = await StoresAsync();
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));
        var toBob = (await store.StoreAsync(new NewMessage(alice, bob, "1", null), Timeout)).Message.Id;
        var toCarol = (await store.StoreAsync(new NewMessage(alice, carol, "2", null), Timeout)).Message.Id;
        Take();

        var marks = await store.AdvanceDeliveryMarksAsync([new DeliveryMark(bob, toBob), new DeliveryMark(carol, toCarol), new DeliveryMark(alice, toBob)], Timeout);

        Assert.Equal([toBob, toCarol, 0], marks);
        Assert.Equal(["aggregate", "update"], Take().Select(c => c.CommandName));
    }

    [SkippableFact]
    public async Task A_sync_page_reads_direct_and_group_messages_in_one_snapshot()
    {
        var (messages, groups) = await StoresAsync();
        var (alice, bob) = (User("alice"), User("bob"));
        var group = await groups.CreateGroupAsync(alice, "team", [bob], 4, Timeout);
        await groups.StoreGroupMessageAsync(new NewGroupMessage(alice, group.Id, "to all", null), Timeout);
        await messages.StoreAsync(new NewMessage(alice, bob, "to bob", null), Timeout);
        Take();

        Assert.Equal(2, (await messages.GetInboxAsync(bob, null, 10, Timeout)).Messages.Count);

        var reads = Take().Where(c => c.CommandName == "find").Select(c => c.Command["readConcern"].AsBsonDocument).ToList();
        Assert.Equal(4, reads.Count);
        Assert.All(reads, r => Assert.Equal("snapshot", r["level"].AsString));
        Assert.False(reads[0].Contains("atClusterTime"));
        Assert.Single(reads.Skip(1).Select(r => r["atClusterTime"]).Distinct());
    }

    [SkippableFact]
    public async Task A_store_cancelled_mid_transaction_aborts_it_and_frees_the_inbox_heads_at_once()
    {
        var (store, _) = await StoresAsync();
        var (alice, bob) = (User("alice"), User("bob"));
        using var caller = new CancellationTokenSource();
        // Cancelled while the message insert is on the wire: the heads are already written in the transaction.
        _onCommand = e =>
        {
            if (e.CommandName == "insert" && e.Command["insert"] == "messages")
            {
                caller.Cancel();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.StoreAsync(new NewMessage(alice, bob, "cancelled", null), caller.Token));
        _onCommand = null;
        // Left open, the transaction would keep the heads locked for transactionLifetimeLimitSeconds (60 s).
        using var soon = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var next = await store.StoreAsync(new NewMessage(alice, bob, "next", null), soon.Token);

        Assert.Contains(Take(), c => c.CommandName == "abortTransaction");
        Assert.Equal(["next"], (await store.GetInboxAsync(bob, 0, 10, Timeout)).Messages.Select(m => m.Text));
        Assert.False(next.Duplicate);
    }
}

using Chat.ChatService.Storage;
using Chat.ChatService.Storage.Mongo;
using MongoDB.Driver;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>
/// The conversation store contract against MongoDB, when <c>CHAT_TEST_MONGO</c> holds the
/// connection string of a replica set; skipped otherwise, and reported as skipped.
/// </summary>
public sealed class MongoConversationStoreTests : ConversationStoreContract
{
    private static readonly Lazy<Task<(IMessageStore, IConversationStore)>> Stores = new(CreateAsync);

    protected override Task<(IMessageStore Messages, IConversationStore Conversations)> StoresAsync()
    {
        Skip.If(string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("CHAT_TEST_MONGO")), "CHAT_TEST_MONGO is not set: no MongoDB server to test against.");
        return Stores.Value;
    }

    private static async Task<(IMessageStore, IConversationStore)> CreateAsync()
    {
        var db = new MongoCollections(new MongoClient(Environment.GetEnvironmentVariable("CHAT_TEST_MONGO")), $"chat_test_{Guid.NewGuid():N}");
        await db.InitializeAsync(CancellationToken.None);
        return (new MongoMessageStore(db, TimeProvider.System), new MongoConversationStore(db, TimeProvider.System));
    }
}

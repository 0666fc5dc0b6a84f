using Chat.ChatService.Storage;
using Chat.ChatService.Storage.Mongo;
using MongoDB.Driver;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>
/// The store contract against MongoDB, when <c>CHAT_TEST_MONGO</c> holds the connection string of
/// a replica set (transactions need one); skipped otherwise, and reported as skipped.
/// </summary>
public sealed class MongoMessageStoreTests : MessageStoreContract
{
    private static readonly Lazy<Task<IMessageStore>> Store = new(CreateAsync);

    protected override Task<IMessageStore> StoreAsync()
    {
        Skip.If(string.IsNullOrWhiteSpace(ConnectionString), "CHAT_TEST_MONGO is not set: no MongoDB server to test against.");
        return Store.Value;
    }

    private static string? ConnectionString => Environment.GetEnvironmentVariable("CHAT_TEST_MONGO");

    private static async Task<IMessageStore> CreateAsync()
    {
        var store = new MongoMessageStore(new MongoCollections(new MongoClient(ConnectionString), $"chat_test_{Guid.NewGuid():N}"), TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }
}

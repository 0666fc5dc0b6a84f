using System.Net;
using Chat.ChatService.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>
/// Schema setup at start against a real MongoDB (when <c>CHAT_TEST_MONGO</c> is set): replacing an
/// older release's indexes and two replicas starting together. Its rules without a server are unit tests.
/// </summary>
public sealed class MongoSchemaTests
{
    private static string? ConnectionString => Environment.GetEnvironmentVariable("CHAT_TEST_MONGO");

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [SkippableFact]
    public async Task The_type_filtered_indexes_of_an_older_release_are_replaced_at_start()
    {
        Skip.If(string.IsNullOrWhiteSpace(ConnectionString), "CHAT_TEST_MONGO is not set: no MongoDB server to test against.");
        var client = new MongoClient(ConnectionString);
        var database = client.GetDatabase($"chat_test_{Guid.NewGuid():N}");
        var messages = database.GetCollection<BsonDocument>("messages");
        await messages.Indexes.CreateManyAsync(
        [
            new CreateIndexModel<BsonDocument>(new BsonDocument { { "recipient", 1 }, { "_id", 1 } },
                new CreateIndexOptions<BsonDocument> { Name = "recipient_id", PartialFilterExpression = new BsonDocument("recipient", new BsonDocument("$type", 2)) }),
            new CreateIndexModel<BsonDocument>(new BsonDocument { { "sender", 1 }, { "clientId", 1 } },
                new CreateIndexOptions<BsonDocument> { Name = "sender_clientId", Unique = true, PartialFilterExpression = new BsonDocument("clientId", new BsonDocument("$type", 2)) }),
        ], Timeout);

        await new MongoCollections(client, database.DatabaseNamespace.DatabaseName).InitializeAsync(Timeout);

        var indexes = (await (await messages.Indexes.ListAsync(Timeout)).ToListAsync(Timeout)).ToDictionary(i => i["name"].AsString);
        Assert.Equal(BsonDocument.Parse("""{ "recipient": { "$exists": true } }"""), indexes["recipient_id"]["partialFilterExpression"]);
        Assert.Equal(BsonDocument.Parse("""{ "clientId": { "$exists": true } }"""), indexes["sender_clientId"]["partialFilterExpression"]);
        Assert.True(indexes["sender_clientId"]["unique"].ToBoolean());
    }

    [SkippableFact]
    public async Task Replicas_starting_together_on_an_empty_database_all_start()
    {
        Skip.If(string.IsNullOrWhiteSpace(ConnectionString), "CHAT_TEST_MONGO is not set: no MongoDB server to test against.");
        var client = new MongoClient(ConnectionString);
        var name = $"chat_test_{Guid.NewGuid():N}";

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new MongoCollections(client, name).InitializeAsync(Timeout))));

        var collections = await (await client.GetDatabase(name).ListCollectionNamesAsync(cancellationToken: Timeout)).ToListAsync(Timeout);
        Assert.Equal(["conversations", "deliveryMarks", "groups", "inboxEntries", "inboxHeads", "messages"], collections.Order(StringComparer.Ordinal));
    }
}

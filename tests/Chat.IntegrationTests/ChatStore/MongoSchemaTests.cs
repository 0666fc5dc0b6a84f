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
/// Schema setup at start: which server errors are an index to replace, and (when
/// <c>CHAT_TEST_MONGO</c> is set) replacing an older release's indexes and two replicas starting together.
/// </summary>
public sealed class MongoSchemaTests
{
    private static string? ConnectionString => Environment.GetEnvironmentVariable("CHAT_TEST_MONGO");

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static MongoCommandException CommandError(int code) => new(
        new ConnectionId(new ServerId(new ClusterId(), new DnsEndPoint("localhost", 27017))),
        "createIndexes failed", new BsonDocument("createIndexes", "messages"), new BsonDocument { { "ok", 0 }, { "code", code } });

    [Theory]
    [InlineData(85, true)]
    [InlineData(86, true)]
    [InlineData(276, true)]
    [InlineData(11000, false)]
    [InlineData(13, false)]
    [InlineData(67, false)]
    public void Only_an_index_that_exists_with_another_definition_is_replaced(int code, bool replaced) =>
        Assert.Equal(replaced, MongoSchema.IsDefinitionConflict(CommandError(code)));

    [Fact]
    public void An_older_releases_type_filtered_index_is_another_definition_and_the_current_one_is_the_same()
    {
        var args = new RenderArgs<MessageDocument>(BsonSerializer.SerializerRegistry.GetSerializer<MessageDocument>(), BsonSerializer.SerializerRegistry);
        var recipient = MongoQueries.MessageIndexes.Single(i => i.Options.Name == "recipient_id");
        var clientId = MongoQueries.MessageIndexes.Single(i => i.Options.Name == "sender_clientId");

        Assert.False(MongoSchema.SameDefinition(BsonDocument.Parse("""
            { "v": 2, "key": { "recipient": 1, "_id": 1 }, "name": "recipient_id", "partialFilterExpression": { "recipient": { "$type": 2 } } }
            """), recipient, args));
        Assert.True(MongoSchema.SameDefinition(BsonDocument.Parse("""
            { "v": 2, "key": { "recipient": 1, "_id": 1 }, "name": "recipient_id", "partialFilterExpression": { "recipient": { "$exists": true } } }
            """), recipient, args));
        Assert.False(MongoSchema.SameDefinition(BsonDocument.Parse("""
            { "v": 2, "key": { "sender": 1, "clientId": 1 }, "name": "sender_clientId", "partialFilterExpression": { "clientId": { "$exists": true } } }
            """), clientId, args));
        Assert.True(MongoSchema.SameDefinition(BsonDocument.Parse("""
            { "v": 2, "key": { "sender": 1, "clientId": 1 }, "name": "sender_clientId", "unique": true, "partialFilterExpression": { "clientId": { "$exists": true } } }
            """), clientId, args));
    }

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

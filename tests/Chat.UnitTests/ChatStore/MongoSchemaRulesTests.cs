using System.Net;
using Chat.ChatService.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;

namespace Chat.UnitTests.ChatStore;

/// <summary>Schema setup's rules, without a server: which errors mean an index to replace, and which definitions are the same.</summary>
public sealed class MongoSchemaRulesTests
{
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
}

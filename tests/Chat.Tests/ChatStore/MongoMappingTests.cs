using Chat.ChatService.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace Chat.Tests.ChatStore;

/// <summary>The MongoDB store's documents and queries, rendered without a server.</summary>
public sealed class MongoMappingTests
{
    private static readonly RenderArgs<MessageDocument> Args =
        new(BsonSerializer.SerializerRegistry.GetSerializer<MessageDocument>(), BsonSerializer.SerializerRegistry);

    [Fact]
    public void A_message_maps_to_the_expected_document_and_leaves_out_a_missing_client_id()
    {
        var message = new MessageDocument
        {
            Id = "00000000000000000042",
            Conversation = "d:5:alice:bob",
            Sender = "alice",
            Recipient = "bob",
            Text = "hi",
            PreviousId = 41,
            SentAt = new DateTime(2026, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc),
        };

        var expected = BsonDocument.Parse("""
            { "_id": "00000000000000000042", "conversation": "d:5:alice:bob", "sender": "alice", "recipient": "bob",
              "text": "hi", "previousId": NumberLong(41), "sentAt": ISODate("2026-01-02T03:04:05.678Z") }
            """);
        Assert.Equal(expected, message.ToBsonDocument());
        Assert.Equal(message.Id, BsonSerializer.Deserialize<MessageDocument>(expected).Id);
    }

    [Fact]
    public void History_is_one_conversation_below_the_cursor_newest_first()
    {
        var filter = MongoMessageStore.ConversationFilter("bob", "alice", 42).Render(Args);
        var newest = MongoMessageStore.ConversationFilter("bob", "alice", 0).Render(Args);

        Assert.Equal(BsonDocument.Parse("""{ "conversation": "d:5:alice:bob", "_id": { "$lt": "00000000000000000042" } }"""), filter);
        Assert.Equal(BsonDocument.Parse("""{ "conversation": "d:5:alice:bob" }"""), newest);
        Assert.Equal(BsonDocument.Parse("""{ "_id": -1 }"""), MongoMessageStore.NewestFirst.Render(Args));
    }

    [Fact]
    public void Sync_is_the_users_inbox_above_the_cursor_oldest_first()
    {
        var filter = MongoMessageStore.InboxFilter("bob", 7).Render(Args);

        Assert.Equal(BsonDocument.Parse("""{ "recipient": "bob", "_id": { "$gt": "00000000000000000007" } }"""), filter);
        Assert.Equal(BsonDocument.Parse("""{ "_id": 1 }"""), MongoMessageStore.OldestFirst.Render(Args));
    }

    [Fact]
    public void Idempotency_is_a_unique_index_on_sender_and_client_id_where_one_was_given()
    {
        var index = MongoMessageStore.MessageIndexes.Single(i => i.Options.Unique == true);
        var options = (CreateIndexOptions<MessageDocument>)index.Options;

        Assert.Equal(BsonDocument.Parse("""{ "sender": 1, "clientId": 1 }"""), index.Keys.Render(Args));
        Assert.Equal(BsonDocument.Parse("""{ "clientId": { "$type": 2 } }"""), options.PartialFilterExpression.Render(Args));
        Assert.Equal(BsonDocument.Parse("""{ "sender": "alice", "clientId": "c-1" }"""), MongoMessageStore.ByClientId("alice", "c-1").Render(Args));
    }

    [Fact]
    public void History_and_sync_have_indexes_that_match_their_queries()
    {
        var keys = MongoMessageStore.MessageIndexes.Select(i => i.Keys.Render(Args)).ToList();

        Assert.Contains(BsonDocument.Parse("""{ "conversation": 1, "_id": -1 }"""), keys);
        Assert.Contains(BsonDocument.Parse("""{ "recipient": 1, "_id": 1 }"""), keys);
    }
}

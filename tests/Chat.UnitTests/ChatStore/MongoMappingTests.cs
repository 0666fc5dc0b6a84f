using Chat.ChatService.Messages;
using Chat.ChatService.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace Chat.UnitTests.ChatStore;

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
        var filter = MongoQueries.ConversationFilter(ConversationKey.Direct("bob", "alice"), 42).Render(Args);
        var newest = MongoQueries.ConversationFilter(ConversationKey.Direct("bob", "alice"), 0).Render(Args);

        Assert.Equal(BsonDocument.Parse("""{ "conversation": "d:5:alice:bob", "_id": { "$lt": "00000000000000000042" } }"""), filter);
        Assert.Equal(BsonDocument.Parse("""{ "conversation": "d:5:alice:bob" }"""), newest);
        Assert.Equal(BsonDocument.Parse("""{ "_id": -1 }"""), MongoQueries.NewestFirst.Render(Args));
    }

    [Fact]
    public void Sync_is_the_users_inbox_above_the_cursor_oldest_first()
    {
        var filter = MongoQueries.InboxFilter("bob", 7).Render(Args);

        Assert.Equal(BsonDocument.Parse("""{ "recipient": "bob", "_id": { "$gt": "00000000000000000007" } }"""), filter);
        Assert.Equal(BsonDocument.Parse("""{ "_id": 1 }"""), MongoQueries.OldestFirst.Render(Args));
    }

    [Fact]
    public void Idempotency_is_a_unique_index_on_sender_and_client_id_where_one_was_given()
    {
        var index = MongoQueries.MessageIndexes.Single(i => i.Options.Unique == true);
        var options = (CreateIndexOptions<MessageDocument>)index.Options;

        Assert.Equal(BsonDocument.Parse("""{ "sender": 1, "clientId": 1 }"""), index.Keys.Render(Args));
        Assert.Equal(BsonDocument.Parse("""{ "clientId": { "$exists": true } }"""), options.PartialFilterExpression.Render(Args));
        Assert.Equal(BsonDocument.Parse("""{ "sender": "alice", "clientId": "c-1" }"""), MongoQueries.ByClientId("alice", "c-1").Render(Args));
    }

    [Fact]
    public void History_and_sync_have_indexes_that_match_their_queries()
    {
        var keys = MongoQueries.MessageIndexes.Select(i => i.Keys.Render(Args)).ToList();

        Assert.Contains(BsonDocument.Parse("""{ "conversation": 1, "_id": -1 }"""), keys);
        Assert.Contains(BsonDocument.Parse("""{ "recipient": 1, "_id": 1 }"""), keys);
    }

    [Fact]
    public void The_partial_indexes_are_filtered_by_existence_which_an_equality_query_lets_the_planner_use()
    {
        var filters = MongoQueries.MessageIndexes
            .Where(i => i.Options is CreateIndexOptions<MessageDocument> { PartialFilterExpression: not null })
            .ToDictionary(i => i.Options.Name, i => ((CreateIndexOptions<MessageDocument>)i.Options).PartialFilterExpression.Render(Args));

        Assert.Equal(BsonDocument.Parse("""{ "recipient": { "$exists": true } }"""), filters["recipient_id"]);
        Assert.Equal(BsonDocument.Parse("""{ "clientId": { "$exists": true } }"""), filters["sender_clientId"]);
    }

    [Fact]
    public void The_conversation_list_is_one_aggregation_matching_the_keyset_cursor()
    {
        var stages = MongoConversationStore.ConversationListPipeline("bob", 42, "d:1:a:b", 11)
            .Render(new RenderArgs<ConversationDocument>(BsonSerializer.SerializerRegistry.GetSerializer<ConversationDocument>(), BsonSerializer.SerializerRegistry))
            .Documents;

        Assert.Equal(["$match", "$sort", "$limit", "$lookup", "$lookup", "$lookup"], stages.Select(s => s.GetElement(0).Name));
        Assert.Equal(BsonDocument.Parse("""
            { "$match": { "user": "bob", "$or": [ { "lastActivity": { "$lt": NumberLong(42) } },
                                                  { "lastActivity": NumberLong(42), "conversation": { "$lt": "d:1:a:b" } } ] } }
            """), stages[0]);
        Assert.Equal(BsonDocument.Parse("""{ "$sort": { "lastActivity": -1, "conversation": -1 } }"""), stages[1]);
    }

    [Fact]
    public void A_conversation_entry_maps_to_the_fields_the_aggregation_reads()
    {
        var entry = new ConversationDocument { User = "bob", Conversation = "g:7", GroupId = "7", LastActivity = 5, ReadUpTo = "", VisibleFrom = "00000000000000000005" };

        var document = entry.ToBsonDocument();

        Assert.Equal(["_id", "user", "conversation", "groupId", "lastActivity", "readUpTo", "visibleFrom"], document.Names);
        Assert.False(document.Contains("peer"));
    }
}

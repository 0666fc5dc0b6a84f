using Chat.ChatService.Storage;
using Chat.ChatService.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace Chat.UnitTests.ChatStore;

/// <summary>A batch of delivery marks as one read and one bulk write, rendered without a server.</summary>
public sealed class MongoDeliveryMarksTests
{
    private static BsonDocument Head(string user, long lastReceived, long mark) =>
        new() { { "_id", user }, { "lastReceivedId", lastReceived }, { "upTo", mark } };

    private static BsonDocument Rendered(UpdateOneModel<DeliveryMarkDocument> write)
    {
        var args = new RenderArgs<DeliveryMarkDocument>(BsonSerializer.SerializerRegistry.GetSerializer<DeliveryMarkDocument>(), BsonSerializer.SerializerRegistry);
        return new BsonDocument { { "q", write.Filter.Render(args) }, { "u", write.Update.Render(args).AsBsonDocument }, { "upsert", write.IsUpsert } };
    }

    [Fact]
    public void The_read_is_one_aggregation_of_the_heads_with_their_marks()
    {
        var stages = MongoDeliveryMarks.StatePipeline(["bob", "carol"])
            .Render(new RenderArgs<InboxHeadDocument>(BsonSerializer.SerializerRegistry.GetSerializer<InboxHeadDocument>(), BsonSerializer.SerializerRegistry))
            .Documents;

        Assert.Equal(BsonDocument.Parse("""{ "$match": { "_id": { "$in": ["bob", "carol"] } } }"""), stages[0]);
        Assert.Equal(BsonDocument.Parse("""{ "$lookup": { "from": "deliveryMarks", "localField": "_id", "foreignField": "_id", "as": "mark" } }"""), stages[1]);
        Assert.Equal(BsonDocument.Parse("""
            { "$project": { "lastReceivedId": 1, "upTo": { "$ifNull": [ { "$arrayElemAt": ["$mark.upTo", 0] }, NumberLong(0) ] } } }
            """), stages[2]);
    }

    [Fact]
    public void Marks_are_capped_at_the_last_received_id_never_move_back_and_a_user_named_twice_gets_the_higher()
    {
        DeliveryMark[] marks = [new("bob", 20), new("carol", 5), new("bob", 10), new("alice", 7), new("dave", 99)];
        BsonDocument[] state = [Head("bob", 30, 0), Head("carol", 9, 8), Head("dave", 50, 40)];

        var (result, writes) = MongoDeliveryMarks.Plan(marks, state);

        Assert.Equal([20L, 8, 20, 0, 50], result);
        Assert.Equal(
            [
                BsonDocument.Parse("""{ "q": { "_id": "bob" }, "u": { "$max": { "upTo": NumberLong(20) } }, "upsert": true }"""),
                BsonDocument.Parse("""{ "q": { "_id": "dave" }, "u": { "$max": { "upTo": NumberLong(50) } }, "upsert": true }"""),
            ],
            writes.Select(Rendered));
    }

    [Fact]
    public void A_user_who_has_only_sent_has_a_head_without_a_last_received_id_and_no_mark()
    {
        var (result, writes) = MongoDeliveryMarks.Plan([new DeliveryMark("alice", 7)], [new BsonDocument { { "_id", "alice" }, { "upTo", 0L } }]);

        Assert.Equal([0L], result);
        Assert.Empty(writes);
    }

    [Fact]
    public void A_batch_that_moves_nothing_writes_nothing()
    {
        var (result, writes) = MongoDeliveryMarks.Plan([new DeliveryMark("bob", 3)], [Head("bob", 9, 5)]);

        Assert.Equal([5L], result);
        Assert.Empty(writes);
    }
}

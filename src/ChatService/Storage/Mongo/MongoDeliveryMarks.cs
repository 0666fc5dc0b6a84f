using MongoDB.Bson;
using MongoDB.Driver;

namespace Chat.ChatService.Storage.Mongo;

/// <summary>
/// Delivery marks in two round trips for any number of users: one aggregation reads each user's
/// last received id with their current mark, one unordered bulk write moves the marks that change.
/// </summary>
internal static class MongoDeliveryMarks
{
    /// <summary>The users' inbox heads, each with its mark (0: none); a user without a head received nothing.</summary>
    public static PipelineDefinition<InboxHeadDocument, BsonDocument> StatePipeline(IEnumerable<string> users) =>
        PipelineDefinition<InboxHeadDocument, BsonDocument>.Create(
            new BsonDocument("$match", new BsonDocument("_id", new BsonDocument("$in", new BsonArray(users)))),
            new BsonDocument("$lookup", new BsonDocument { { "from", "deliveryMarks" }, { "localField", "_id" }, { "foreignField", "_id" }, { "as", "mark" } }),
            new BsonDocument("$project", new BsonDocument
            {
                { "lastReceivedId", 1 },
                { "upTo", new BsonDocument("$ifNull", new BsonArray { new BsonDocument("$arrayElemAt", new BsonArray { "$mark.upTo", 0 }), 0L }) },
            }));

    /// <summary>
    /// Each user's new mark: the highest asked for that user, capped at their last received id (a
    /// wild ack cannot hide future messages), never below the current mark; and the marks to write.
    /// </summary>
    public static (long[] Marks, List<UpdateOneModel<DeliveryMarkDocument>> Writes) Plan(IReadOnlyList<DeliveryMark> marks, IEnumerable<BsonDocument> state)
    {
        // A user who has only sent has a head without lastReceivedId.
        var heads = state.ToDictionary(s => s["_id"].AsString, s => (LastReceived: s.GetValue("lastReceivedId", 0L).ToInt64(), Current: s["upTo"].ToInt64()), StringComparer.Ordinal);
        var next = marks.GroupBy(m => m.User, StringComparer.Ordinal).ToDictionary(g => g.Key, g =>
        {
            var (lastReceived, current) = heads.GetValueOrDefault(g.Key);
            return Math.Max(current, Math.Min(g.Max(m => m.UpTo), lastReceived));
        }, StringComparer.Ordinal);
        var writes = next
            .Where(n => n.Value > heads.GetValueOrDefault(n.Key).Current)
            .Select(n => new UpdateOneModel<DeliveryMarkDocument>(
                Builders<DeliveryMarkDocument>.Filter.Eq(m => m.User, n.Key),
                Builders<DeliveryMarkDocument>.Update.Max(m => m.UpTo, n.Value)) { IsUpsert = true })
            .ToList();
        return ([.. marks.Select(m => next[m.User])], writes);
    }
}

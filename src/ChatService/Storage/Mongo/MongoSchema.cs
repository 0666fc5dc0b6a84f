using MongoDB.Bson;
using MongoDB.Driver;

namespace Chat.ChatService.Storage.Mongo;

/// <summary>
/// Creates collections and indexes at start so that several replicas may start together and an
/// index whose definition changed (an older release's) is replaced instead of stopping the service.
/// Codes from the server's error_codes.yml.
/// </summary>
internal static class MongoSchema
{
    internal const int NamespaceExists = 48;
    internal const int IndexOptionsConflict = 85;
    internal const int IndexKeySpecsConflict = 86;
    internal const int IndexNotFound = 27;
    internal const int NamespaceNotFound = 26;
    internal const int IndexBuildAborted = 276;

    /// <summary>Two replicas racing to drop and build the same index each win once in the worst case.</summary>
    private const int MaxIndexAttempts = 3;

    /// <summary>Another replica creating the same collection first is success, not an error.</summary>
    public static async Task CreateCollectionAsync(IMongoDatabase database, string name, CancellationToken cancellationToken)
    {
        try
        {
            await database.CreateCollectionAsync(name, cancellationToken: cancellationToken);
        }
        catch (MongoCommandException e) when (e.Code == NamespaceExists)
        {
        }
    }

    /// <summary>
    /// Builds each index. One of the same name with another definition (an older release's) is
    /// dropped first: the server is not trusted to refuse it. One that still conflicts with an
    /// existing index of the same name or keys (another replica's, built meanwhile) is dropped and built again.
    /// </summary>
    public static async Task EnsureIndexesAsync<T>(IMongoCollection<T> collection, IEnumerable<CreateIndexModel<T>> indexes, CancellationToken cancellationToken)
    {
        var args = RenderArgs(collection);
        var existing = await ListAsync(collection, cancellationToken);
        foreach (var index in indexes)
        {
            if (existing.FirstOrDefault(e => e["name"].AsString == index.Options.Name) is { } current && !SameDefinition(current, index, args))
            {
                await DropAsync(collection, index.Options.Name, cancellationToken);
            }
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await collection.Indexes.CreateOneAsync(index, cancellationToken: cancellationToken);
                    break;
                }
                catch (MongoCommandException e) when (IsDefinitionConflict(e) && attempt < MaxIndexAttempts)
                {
                    await DropConflictingAsync(collection, index, cancellationToken);
                }
            }
        }
    }

    /// <summary>Whether an index as listIndexes describes it has the keys, uniqueness and partial filter wanted.</summary>
    internal static bool SameDefinition<T>(BsonDocument existing, CreateIndexModel<T> wanted, RenderArgs<T> args)
    {
        BsonValue partial = (wanted.Options as CreateIndexOptions<T>)?.PartialFilterExpression?.Render(args) ?? (BsonValue)BsonNull.Value;
        return existing["key"].Equals(wanted.Keys.Render(args))
            && existing.GetValue("unique", false).ToBoolean() == (wanted.Options.Unique ?? false)
            && existing.GetValue("partialFilterExpression", BsonNull.Value).Equals(partial);
    }

    internal static bool IsDefinitionConflict(MongoCommandException e) =>
        e.Code is IndexOptionsConflict or IndexKeySpecsConflict or IndexBuildAborted;

    private static async Task DropConflictingAsync<T>(IMongoCollection<T> collection, CreateIndexModel<T> index, CancellationToken cancellationToken)
    {
        var keys = index.Keys.Render(RenderArgs(collection));
        var conflicting = (await ListAsync(collection, cancellationToken))
            .Where(e => e["name"].AsString != "_id_" && (e["name"].AsString == index.Options.Name || e["key"].AsBsonDocument.Equals(keys)))
            .Select(e => e["name"].AsString);
        foreach (var name in conflicting)
        {
            await DropAsync(collection, name, cancellationToken);
        }
    }

    private static async Task DropAsync<T>(IMongoCollection<T> collection, string name, CancellationToken cancellationToken)
    {
        try
        {
            await collection.Indexes.DropOneAsync(name, cancellationToken);
        }
        catch (MongoCommandException e) when (e.Code is IndexNotFound or NamespaceNotFound)
        {
            // Another replica dropped it first.
        }
    }

    private static async Task<List<BsonDocument>> ListAsync<T>(IMongoCollection<T> collection, CancellationToken cancellationToken) =>
        await (await collection.Indexes.ListAsync(cancellationToken)).ToListAsync(cancellationToken);

    private static RenderArgs<T> RenderArgs<T>(IMongoCollection<T> collection) =>
        new(collection.DocumentSerializer, collection.Settings.SerializerRegistry);
}

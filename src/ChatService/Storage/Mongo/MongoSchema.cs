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
    /// Builds each index; one that conflicts with an existing index of the same name or the same
    /// keys (other options: an older definition) is dropped and built again.
    /// </summary>
    public static async Task EnsureIndexesAsync<T>(IMongoCollection<T> collection, IEnumerable<CreateIndexModel<T>> indexes, CancellationToken cancellationToken)
    {
        foreach (var index in indexes)
        {
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

    internal static bool IsDefinitionConflict(MongoCommandException e) =>
        e.Code is IndexOptionsConflict or IndexKeySpecsConflict or IndexBuildAborted;

    private static async Task DropConflictingAsync<T>(IMongoCollection<T> collection, CreateIndexModel<T> index, CancellationToken cancellationToken)
    {
        var keys = index.Keys.Render(new RenderArgs<T>(collection.DocumentSerializer, collection.Settings.SerializerRegistry));
        var existing = await (await collection.Indexes.ListAsync(cancellationToken)).ToListAsync(cancellationToken);
        var conflicting = existing
            .Where(e => e["name"].AsString != "_id_" && (e["name"].AsString == index.Options.Name || e["key"].AsBsonDocument.Equals(keys)))
            .Select(e => e["name"].AsString);
        foreach (var name in conflicting)
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
    }
}

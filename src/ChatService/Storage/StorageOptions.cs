namespace Chat.ChatService.Storage;

/// <summary>Which store, and this replica's place among the writers (section <c>Storage</c>).</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>
    /// <c>MongoDb</c> or <c>Postgres</c>. Unset: MongoDB when <c>ConnectionStrings:MongoDb</c> is
    /// given, PostgreSQL (<c>ConnectionStrings:Messages</c>) otherwise.
    /// </summary>
    public string? Provider { get; set; }

    /// <summary>
    /// This replica's node number in message ids (0–999). Replicas must differ; unset, a random
    /// one is taken at start (two replicas collide with probability 1/1000 per pair, and then
    /// only ids made in the same microsecond could clash — the primary key refuses those).
    /// </summary>
    public int? NodeId { get; set; }
}

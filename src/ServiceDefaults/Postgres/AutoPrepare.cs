namespace Chat.ServiceDefaults.Postgres;

/// <summary>
/// Npgsql sends every statement to be parsed and planned anew unless it is prepared, and its
/// automatic preparation is off by default. The message store runs the same seven statements for
/// every batch it commits; prepared once per pooled connection (they stay prepared across the
/// pool's resets), PostgreSQL skips the parse and the plan each time.
/// </summary>
public static class AutoPrepare
{
    /// <summary>How many statements each connection keeps prepared: more than either service runs on its hot paths.</summary>
    public const int DefaultMaxStatements = 32;

    private static readonly string[] Spellings = ["Max Auto Prepare", "MaxAutoPrepare"];

    /// <summary>The connection string with automatic preparation added, unless it sets its own.</summary>
    public static string Apply(string connectionString, int maxStatements = DefaultMaxStatements) =>
        ConnectionStringDefault.AddUnlessSet(connectionString, Spellings, maxStatements);
}

namespace Chat.ServiceDefaults.Postgres;

/// <summary>
/// Npgsql's default pool of 100 connections, once in UserService and once in ChatService, outgrows
/// PostgreSQL's default max_connections (100): when a few hundred clients signed up and connected
/// at once, calls failed with "sorry, too many clients already". With a cap, a call past it waits
/// for a free connection instead; a few dozen connections keep a small server's cores busy.
/// </summary>
public static class ConnectionPoolCap
{
    private static readonly string[] Spellings = ["Maximum Pool Size", "Max Pool Size", "MaxPoolSize"];

    /// <summary>The connection string with <paramref name="maxPoolSize"/> added, unless it sets its own maximum.</summary>
    public static string Apply(string connectionString, int maxPoolSize) =>
        ConnectionStringDefault.AddUnlessSet(connectionString, Spellings, maxPoolSize);
}

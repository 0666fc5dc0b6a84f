using System.Globalization;

namespace Chat.ServiceDefaults.Postgres;

/// <summary>
/// What both services add to an operator's PostgreSQL connection string, each setting unless the
/// string already sets it under any name Npgsql accepts for it: the operator's value wins.
/// </summary>
public static class ConnectionStringDefaults
{
    /// <summary>How many statements each connection keeps prepared: more than either service runs on its hot paths.</summary>
    public const int MaxPreparedStatements = 32;

    /// <summary>The connection string with the services' settings added where it sets none of its own.</summary>
    public static string Apply(string connectionString, int maxPoolSize)
    {
        // Npgsql's default pool of 100 connections, once in UserService and once in ChatService,
        // outgrows PostgreSQL's default max_connections (100): when a few hundred clients signed
        // up and connected at once, calls failed with "sorry, too many clients already". With a
        // cap, a call past it waits for a free connection; a few dozen keep a small server busy.
        connectionString = AddUnlessSet(connectionString, ["Maximum Pool Size", "Max Pool Size", "MaxPoolSize"], maxPoolSize.ToString(CultureInfo.InvariantCulture));
        // Npgsql sends every statement to be parsed and planned anew unless it is prepared, and
        // its automatic preparation is off by default. The message store runs the same statements
        // for every batch it commits; prepared once per connection, they skip parse and plan.
        connectionString = AddUnlessSet(connectionString, ["Max Auto Prepare", "MaxAutoPrepare"], MaxPreparedStatements.ToString(CultureInfo.InvariantCulture));
        // A connection going back to the pool is otherwise reset before its next use with seven
        // commands (RESET ALL, CLOSE ALL, UNLISTEN *, ...) sent as text, parsed and run each time:
        // once per group commit, about a tenth of PostgreSQL's CPU at 1,000 messages/s
        // (docs/benchmarks.md). The services keep no session state to reset (only SET LOCAL,
        // which ends with its transaction), and an open transaction is still rolled back.
        return AddUnlessSet(connectionString, ["No Reset On Close", "NoResetOnClose"], "true");
    }

    private static string AddUnlessSet(string connectionString, string[] spellings, string value) =>
        spellings.Any(s => connectionString.Contains(s, StringComparison.OrdinalIgnoreCase))
            ? connectionString
            : $"{connectionString.TrimEnd(';')};{spellings[0]}={value}";
}

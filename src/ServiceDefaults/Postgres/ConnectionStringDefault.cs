namespace Chat.ServiceDefaults.Postgres;

/// <summary>
/// A setting the services add to an operator's PostgreSQL connection string, unless the string
/// already sets it under any of the names Npgsql accepts for it: the operator's value wins.
/// </summary>
internal static class ConnectionStringDefault
{
    /// <summary>The connection string with <c>name=value</c> appended, unless one of <paramref name="spellings"/> is in it.</summary>
    public static string AddUnlessSet(string connectionString, IReadOnlyList<string> spellings, int value) =>
        spellings.Any(s => connectionString.Contains(s, StringComparison.OrdinalIgnoreCase))
            ? connectionString
            : $"{connectionString.TrimEnd(';')};{spellings[0]}={value}";
}

using Npgsql;

namespace Chat.ChatService.Storage.Postgres;

/// <summary>
/// The PostgreSQL database both stores share: its schema, applied once, and the one way to run
/// work on a pooled connection, which turns refused or lost connections into
/// <see cref="StoreUnavailableException"/>.
/// </summary>
public sealed class PostgresDatabase
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly InitializeOnce _schema;

    public PostgresDatabase(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _schema = new InitializeOnce(ct => RunAsync(async c => { await PostgresSchema.ApplyAsync(c, ct); return true; }, ct, initialized: false));
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => _schema.EnsureAsync(cancellationToken);

    /// <summary>Runs <paramref name="work"/> on a pooled connection, once the schema is in place.</summary>
    public Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken) =>
        RunAsync(work, cancellationToken, initialized: true);

    private async Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken, bool initialized)
    {
        if (initialized)
        {
            await InitializeAsync(cancellationToken);
        }
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            return await work(connection);
        }
        catch (NpgsqlException e) when (IsUnreachable(e, cancellationToken))
        {
            // The pool may hold more connections to a server that went away: start afresh.
            _dataSource.Clear();
            throw new StoreUnavailableException("PostgreSQL is unavailable: " + e.Message, e);
        }
        catch (PostgresException e) when (e.SqlState.StartsWith(DataExceptionClass, StringComparison.Ordinal))
        {
            // The server refused a value the request carried (U+0000 in text, say, if a check
            // upstream missed it): the caller's mistake, answered InvalidArgument, never an outage.
            throw new ArgumentException("the message store cannot keep a value of this request: " + e.MessageText, e);
        }
    }

    /// <summary>SQLSTATE class 22, "data exception": the statement was fine, a value in it was not.</summary>
    private const string DataExceptionClass = "22";

    /// <summary>
    /// Refused or lost connections and server shutdowns; not SQL errors, not the caller giving up,
    /// and not deadlocks or serialization failures, which the stores retry themselves.
    /// </summary>
    private static bool IsUnreachable(NpgsqlException e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested
        && (e is not PostgresException pg
            || (pg.IsTransient && pg.SqlState is not (PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)));
}

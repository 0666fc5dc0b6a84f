using System.Diagnostics;
using MongoDB.Driver;

namespace Chat.ChatService.Storage.Mongo;

/// <summary>
/// Runs work in a transaction, retried like the driver's <c>WithTransactionAsync</c> (the
/// transactions-convenient-api spec), except that commit and abort never get the caller's token.
/// The driver aborts with that token and swallows the failure (TransactionExecutor.cs,
/// CoreSession.AbortTransactionAsync), so a call cancelled mid-transaction left the transaction
/// open on the server, holding its write locks (the inbox heads) until transactionLifetimeLimitSeconds (60 s).
/// </summary>
internal static class MongoTransaction
{
    private const string TransientTransactionError = "TransientTransactionError";
    private const string UnknownTransactionCommitResult = "UnknownTransactionCommitResult";
    private const int MaxTimeMSExpired = 50;

    /// <summary>The convenient API's limit on retrying a transaction and its commit.</summary>
    private static readonly TimeSpan RetryLimit = TimeSpan.FromSeconds(120);

    /// <summary>How long one commit or abort may take: bounded, but by us, not by the caller.</summary>
    internal static readonly TimeSpan EndLimit = TimeSpan.FromSeconds(10);

    public static async Task<T> RunAsync<T>(IClientSessionHandle session, Func<IClientSessionHandle, CancellationToken, Task<T>> work,
        TransactionOptions options, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        bool WithinLimit() => Stopwatch.GetElapsedTime(started) < RetryLimit;
        for (var attempt = 1; ; attempt++)
        {
            session.StartTransaction(options);
            T result;
            try
            {
                result = await work(session, cancellationToken);
                // Cancelled before the commit started: the caller gets no answer, so nothing is stored.
                cancellationToken.ThrowIfCancellationRequested();
            }
            catch (Exception e)
            {
                await AbortAsync(session);
                if (HasLabel(e, TransientTransactionError) && !cancellationToken.IsCancellationRequested && WithinLimit())
                {
                    await Task.Delay(Backoff(attempt), cancellationToken);
                    continue;
                }
                throw;
            }
            try
            {
                await CommitAsync(session, WithinLimit);
                return result;
            }
            catch (MongoException e) when (HasLabel(e, TransientTransactionError) && !cancellationToken.IsCancellationRequested && WithinLimit())
            {
                await Task.Delay(Backoff(attempt), cancellationToken);
            }
        }
    }

    private static async Task CommitAsync(IClientSessionHandle session, Func<bool> withinLimit)
    {
        while (true)
        {
            try
            {
                using var limit = new CancellationTokenSource(EndLimit);
                await session.CommitTransactionAsync(limit.Token);
                return;
            }
            catch (MongoException e) when (HasLabel(e, UnknownTransactionCommitResult) && !IsMaxTimeExpired(e) && withinLimit())
            {
                // The driver retries the commit with a majority write concern: the same commit, not a second one.
            }
        }
    }

    private static async Task AbortAsync(IClientSessionHandle session)
    {
        if (session.IsInTransaction)
        {
            using var limit = new CancellationTokenSource(EndLimit);
            await session.AbortTransactionAsync(limit.Token);
        }
    }

    private static bool HasLabel(Exception e, string label) => e is MongoException m && m.HasErrorLabel(label);

    private static bool IsMaxTimeExpired(MongoException e) =>
        e is MongoExecutionTimeoutException || (e is MongoCommandException c && c.Code == MaxTimeMSExpired);

    /// <summary>The driver's jittered backoff between attempts: up to 5 ms × 1.5^(attempt − 1), at most 500 ms.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(500, 5 * Math.Pow(1.5, attempt - 1)));
}

using Chat.ChatService.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Bindings;

namespace Chat.UnitTests.ChatStore;

/// <summary>
/// How a transaction ends, without a server: a session that records the tokens its commit and
/// abort were given. A commit or abort given the caller's cancelled token never reaches the server.
/// </summary>
public sealed class MongoTransactionTests
{
    private static readonly TransactionOptions Options = MongoCollections.Transaction;

    [Fact]
    public async Task A_call_cancelled_mid_transaction_still_aborts_it_on_the_server()
    {
        var session = new RecordingSession();
        using var caller = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => MongoTransaction.RunAsync<bool>(session, (_, ct) =>
        {
            caller.Cancel();
            ct.ThrowIfCancellationRequested();
            return Task.FromResult(true);
        }, Options, caller.Token));

        var abort = Assert.Single(session.AbortTokens);
        Assert.False(abort.IsCancellationRequested);
        Assert.Empty(session.CommitTokens);
        Assert.False(session.IsInTransaction);
    }

    [Fact]
    public async Task A_call_cancelled_after_its_work_aborts_instead_of_committing()
    {
        var session = new RecordingSession();
        using var caller = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => MongoTransaction.RunAsync(session, (_, _) =>
        {
            caller.Cancel();
            return Task.FromResult(true);
        }, Options, caller.Token));

        Assert.False(Assert.Single(session.AbortTokens).IsCancellationRequested);
        Assert.Empty(session.CommitTokens);
    }

    [Fact]
    public async Task The_commit_does_not_depend_on_the_callers_token()
    {
        using var caller = new CancellationTokenSource();
        // The caller gives up while the commit is on the wire.
        var session = new RecordingSession { OnCommit = caller.Cancel };

        var result = await MongoTransaction.RunAsync(session, (_, _) => Task.FromResult(42), Options, caller.Token);

        Assert.Equal(42, result);
        Assert.False(Assert.Single(session.CommitTokens).IsCancellationRequested);
        Assert.Empty(session.AbortTokens);
    }

    [Fact]
    public async Task A_transient_error_aborts_and_runs_the_work_again()
    {
        var session = new RecordingSession();
        var attempts = 0;

        var result = await MongoTransaction.RunAsync(session, (_, _) =>
        {
            if (++attempts == 1)
            {
                var conflict = new MongoException("WriteConflict");
                conflict.AddErrorLabel("TransientTransactionError");
                throw conflict;
            }
            return Task.FromResult(attempts);
        }, Options, CancellationToken.None);

        Assert.Equal(2, result);
        Assert.Equal(2, session.Started);
        Assert.Single(session.AbortTokens);
        Assert.Single(session.CommitTokens);
    }

    [Fact]
    public async Task An_unknown_commit_result_retries_the_commit_not_the_work()
    {
        var session = new RecordingSession { CommitFailures = 1 };
        var attempts = 0;

        await MongoTransaction.RunAsync(session, (_, _) => Task.FromResult(++attempts), Options, CancellationToken.None);

        Assert.Equal(1, attempts);
        Assert.Equal(2, session.CommitTokens.Count);
    }

    [Fact]
    public async Task Any_other_error_aborts_and_reaches_the_caller()
    {
        var session = new RecordingSession();

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            MongoTransaction.RunAsync<bool>(session, (_, _) => throw new InvalidOperationException("not a member"), Options, CancellationToken.None));

        Assert.Equal(1, session.Started);
        Assert.Single(session.AbortTokens);
    }

    /// <summary>Only the transaction's lifecycle; every other member is unused by <see cref="MongoTransaction"/>.</summary>
    private sealed class RecordingSession : IClientSessionHandle
    {
        public List<CancellationToken> CommitTokens { get; } = [];

        public List<CancellationToken> AbortTokens { get; } = [];

        public int Started { get; private set; }

        /// <summary>How many commits fail with UnknownTransactionCommitResult before one succeeds.</summary>
        public int CommitFailures { get; init; }

        public Action? OnCommit { get; init; }

        public bool IsInTransaction { get; private set; }

        public void StartTransaction(TransactionOptions? transactionOptions = null)
        {
            Started++;
            IsInTransaction = true;
        }

        public Task CommitTransactionAsync(CancellationToken cancellationToken = default)
        {
            CommitTokens.Add(cancellationToken);
            OnCommit?.Invoke();
            cancellationToken.ThrowIfCancellationRequested();
            if (CommitTokens.Count <= CommitFailures)
            {
                var unknown = new MongoException("network error during commit");
                unknown.AddErrorLabel("UnknownTransactionCommitResult");
                throw unknown;
            }
            IsInTransaction = false;
            return Task.CompletedTask;
        }

        public Task AbortTransactionAsync(CancellationToken cancellationToken = default)
        {
            AbortTokens.Add(cancellationToken);
            IsInTransaction = false;
            return Task.CompletedTask;
        }

        public IMongoClient Client => throw new NotSupportedException();

        public BsonDocument ClusterTime => throw new NotSupportedException();

        public bool IsImplicit => false;

        public BsonTimestamp OperationTime => throw new NotSupportedException();

        public ClientSessionOptions Options => new();

        public IServerSession ServerSession => throw new NotSupportedException();

        public ICoreSessionHandle WrappedCoreSession => throw new NotSupportedException();

        public void AbortTransaction(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public void AdvanceClusterTime(BsonDocument newClusterTime) => throw new NotSupportedException();

        public void AdvanceOperationTime(BsonTimestamp newOperationTime) => throw new NotSupportedException();

        public void CommitTransaction(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public TResult WithTransaction<TResult>(Func<IClientSessionHandle, CancellationToken, TResult> callback, TransactionOptions? transactionOptions = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<TResult> WithTransactionAsync<TResult>(Func<IClientSessionHandle, CancellationToken, Task<TResult>> callbackAsync, TransactionOptions? transactionOptions = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public IClientSessionHandle Fork() => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}

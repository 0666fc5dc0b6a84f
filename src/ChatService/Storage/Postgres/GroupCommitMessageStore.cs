using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Chat.ChatService.Observability;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Chat.ChatService.Storage.Postgres;

/// <summary>
/// The PostgreSQL store with group commit: 1:1 stores queue up, a writer takes whatever is queued
/// (up to <see cref="GroupCommitOptions.MaxBatch"/>) and writes it in one transaction, and every
/// caller is answered after that commit — acknowledged still means stored. Reads go straight to
/// the store underneath.
/// </summary>
public sealed class GroupCommitMessageStore : IMessageStore, IAsyncDisposable
{
    // As in PostgresMessageWriter: deadlocks and same-microsecond id clashes roll back; retry.
    private const int MaxAttempts = 5;

    private readonly PostgresMessageStore _inner;
    private readonly PostgresDatabase _database;
    private readonly TimeProvider _clock;
    private readonly int _maxBatch;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Task[] _writers;

    public GroupCommitMessageStore(PostgresMessageStore inner, PostgresDatabase database, TimeProvider clock, IOptions<GroupCommitOptions> options)
    {
        _inner = inner;
        _database = database;
        _clock = clock;
        _maxBatch = options.Value.MaxBatch;
        _writers = [.. Enumerable.Range(0, options.Value.Writers).Select(_ => Task.Run(WriteLoopAsync))];
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => _inner.InitializeAsync(cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) => _inner.PingAsync(cancellationToken);

    public async Task<StoreResult> StoreAsync(NewMessage message, CancellationToken cancellationToken)
    {
        await _database.InitializeAsync(cancellationToken);
        var pending = new Pending(message, cancellationToken, Activity.Current?.Context ?? default);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new StoreUnavailableException("the service is stopping");
        }
        // A caller who gives up is answered at once; a batch already writing its message still
        // commits it, as an unbatched store cancelled at the last moment might (a retry with the
        // client id finds it).
        return await pending.Result.Task.WaitAsync(cancellationToken);
    }

    public Task<MessagePage> GetConversationAsync(string user, string peer, long before, int limit, CancellationToken cancellationToken) =>
        _inner.GetConversationAsync(user, peer, before, limit, cancellationToken);

    public Task<InboxPage> GetInboxAsync(string user, long? after, int limit, CancellationToken cancellationToken) =>
        _inner.GetInboxAsync(user, after, limit, cancellationToken);

    public Task<IReadOnlyList<long>> AdvanceDeliveryMarksAsync(IReadOnlyList<DeliveryMark> marks, CancellationToken cancellationToken) =>
        _inner.AdvanceDeliveryMarksAsync(marks, cancellationToken);

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var pending))
            {
                if (!pending.CallerGone.IsCancellationRequested)
                {
                    batch.Add(pending);
                }
                else
                {
                    pending.Result.TrySetCanceled(pending.CallerGone);
                }
            }
            if (batch.Count > 0)
            {
                await WriteAsync(batch);
            }
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        using var activity = StartBatch(batch);
        List<NewMessage> messages = [.. batch.Select(p => p.Message)];
        // The batch is abandoned (its transaction cancelled) once every caller in it has given up:
        // a lone caller's deadline reaches the database as it would unbatched.
        using var everyoneGone = new CancellationTokenSource();
        var waiting = new StrongBox<int>(batch.Count);
        var registrations = batch.Select(p => p.CallerGone.Register(() =>
        {
            if (Interlocked.Decrement(ref waiting.Value) == 0)
            {
                everyoneGone.Cancel();
            }
        })).ToList();
        try
        {
            await WriteAsync(batch, messages, everyoneGone.Token);
        }
        finally
        {
            foreach (var registration in registrations)
            {
                await registration.DisposeAsync();
            }
        }
    }

    private async Task WriteAsync(List<Pending> batch, List<NewMessage> messages, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var results = await _database.RunAsync(c => PostgresBatchWriter.WriteAsync(c, messages, _clock.GetUtcNow(), cancellationToken), cancellationToken);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Result.TrySetResult(results[i]);
                }
                return;
            }
            catch (PostgresException e) when (attempt < MaxAttempts && PostgresMessageWriter.IsWorthRetrying(e))
            {
            }
            catch (PostgresException e) when (PostgresMessageWriter.IsWorthRetrying(e))
            {
                Fail(batch, new StoreUnavailableException("the message store is too busy, try again", e));
                return;
            }
            catch (ArgumentException) when (batch.Count > 1)
            {
                // One message the store refuses must not fail the others that share its
                // transaction: each is written on its own, and only the bad one is refused.
                foreach (var pending in batch)
                {
                    await WriteAsync([pending], [pending.Message], cancellationToken);
                }
                return;
            }
            catch (Exception e)
            {
                Fail(batch, e);
                return;
            }
        }
    }

    /// <summary>
    /// The batch's span, and with it the database calls under it: in the trace of the oldest store
    /// it holds, linked to the others' (a span has one parent; each of their traces shows the link).
    /// </summary>
    private static Activity? StartBatch(List<Pending> batch)
    {
        if (!ChatServiceMetrics.Activities.HasListeners())
        {
            return null;
        }
        var links = batch.Skip(1).Where(p => p.Trace != default).Select(p => new ActivityLink(p.Trace));
        var activity = ChatServiceMetrics.Activities.StartActivity("chat store batch", ActivityKind.Internal, batch[0].Trace, links: links);
        activity?.SetTag("db.system.name", "postgresql");
        activity?.SetTag("messaging.batch.message_count", batch.Count);
        return activity;
    }

    private static void Fail(List<Pending> batch, Exception e)
    {
        foreach (var pending in batch)
        {
            pending.Result.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers);
    }

    /// <param name="Trace">The caller's span, which the batch that writes the message joins or links.</param>
    private sealed record Pending(NewMessage Message, CancellationToken CallerGone, ActivityContext Trace)
    {
        public TaskCompletionSource<StoreResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

using System.Threading.Channels;
using Chat.Contracts.Chat.V1;
using Grpc.Core;

namespace Chat.UnitTests.Messaging;

/// <summary>
/// A ChatService whose store streams hold every batch until the test answers it, as the real
/// StoreMessageStream does (an answer per batch, by id, in any order; a failed batch's answer
/// carries its status; a stream can end under unanswered batches).
/// </summary>
internal sealed class HeldStoreService : Contracts.Chat.V1.ChatService.ChatServiceClient
{
    private readonly Lock _gate = new();
    private readonly List<HeldBatch> _batches = [];
    private readonly List<HeldStream> _streams = [];
    private readonly List<TaskCompletionSource> _arrived = [.. Enumerable.Range(0, 32).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];

    /// <summary>The text of the message this service refuses as an unknown recipient.</summary>
    public string? Refuse { get; init; }

    public IReadOnlyList<HeldBatch> Batches
    {
        get
        {
            lock (_gate)
            {
                return [.. _batches];
            }
        }
    }

    public int StreamsOpened
    {
        get
        {
            lock (_gate)
            {
                return _streams.Count;
            }
        }
    }

    /// <summary>Completes when the <paramref name="index"/>th batch (from 0, over all streams) has been written.</summary>
    public Task BatchArrived(int index) => _arrived[index].Task.WaitAsync(TimeSpan.FromSeconds(10));

    public void Answer(int index)
    {
        var batch = Batches[index];
        var answer = new StoredBatch { Id = batch.Id };
        answer.Outcomes.AddRange(batch.Texts.Select(t => t == Refuse
            ? new StoreOutcome { Refused = new StoreRefusal { Code = (int)StatusCode.NotFound, Detail = "no user " + t } }
            : new StoreOutcome { Stored = new StoreMessageResponse { Id = "id-" + t } }));
        batch.Stream.Answers.Writer.TryWrite(answer);
    }

    public void Fail(int index, StatusCode code, string detail)
    {
        var batch = Batches[index];
        batch.Stream.Answers.Writer.TryWrite(new StoredBatch { Id = batch.Id, Failed = new StoreRefusal { Code = (int)code, Detail = detail } });
    }

    /// <summary>The stream the <paramref name="index"/>th batch went on ends with <paramref name="status"/>.</summary>
    public void EndStreamOf(int index, Status status) => Batches[index].Stream.End(status);

    /// <summary>Writes are taken but never finish (flow control that never opens) until the stream ends.</summary>
    public bool HoldWrites { get; set; }

    /// <summary>How many of the next streams fail as they open, as a call to an unreachable service does.</summary>
    public int RefuseStreams { get; set; }

    public override AsyncDuplexStreamingCall<StoreBatch, StoredBatch> StoreMessageStream(Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default)
    {
        var stream = new HeldStream(this);
        lock (_gate)
        {
            _streams.Add(stream);
            if (RefuseStreams > 0)
            {
                RefuseStreams--;
                stream.End(new Status(StatusCode.Unavailable, "Error connecting to subchannel."));
            }
        }
        return new AsyncDuplexStreamingCall<StoreBatch, StoredBatch>(
            stream, stream, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], stream.Dispose);
    }

    private void Arrived(HeldStream stream, StoreBatch batch)
    {
        int index;
        lock (_gate)
        {
            _batches.Add(new HeldBatch(stream, batch.Id, [.. batch.Messages.Select(m => m.Text)], [.. batch.Messages.Select(m => m.ClientId)]));
            index = _batches.Count - 1;
        }
        _arrived[index].SetResult();
    }

    internal sealed class HeldStream(HeldStoreService service) : IClientStreamWriter<StoreBatch>, IAsyncStreamReader<StoredBatch>
    {
        private readonly TaskCompletionSource _endedOrDisposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _heldWrites = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Status? _ended;

        /// <summary>Completes when the stream has ended and its caller has let it go.</summary>
        public Task Ended => _endedOrDisposed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        public Channel<StoredBatch> Answers { get; } = Channel.CreateUnbounded<StoredBatch>();

        public WriteOptions? WriteOptions { get; set; }

        public StoredBatch Current { get; private set; } = null!;

        public Task WriteAsync(StoreBatch message)
        {
            if (_ended is { } ended)
            {
                throw new RpcException(ended);
            }
            service.Arrived(this, message);
            return service.HoldWrites ? _heldWrites.Task : Task.CompletedTask;
        }

        public Task CompleteAsync()
        {
            Answers.Writer.TryComplete();
            return Task.CompletedTask;
        }

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await Answers.Reader.WaitToReadAsync(cancellationToken) || !Answers.Reader.TryRead(out var answer))
            {
                return false;
            }
            Current = answer;
            return true;
        }

        public void End(Status status)
        {
            _ended ??= status;
            Answers.Writer.TryComplete(new RpcException(status));
            _heldWrites.TrySetException(new RpcException(status));
        }

        public void Dispose()
        {
            End(new Status(StatusCode.Cancelled, "disposed"));
            _endedOrDisposed.TrySetResult();
        }
    }
}

internal sealed record HeldBatch(HeldStoreService.HeldStream Stream, ulong Id, string[] Texts, string[] ClientIds);

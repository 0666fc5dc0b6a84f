namespace Chat.ChatService.Storage;

/// <summary>
/// Runs a store's schema setup until it succeeds once: every call waits for it (the first calls
/// of a fresh service may come before the database is up), later calls pass straight through.
/// </summary>
internal sealed class InitializeOnce(Func<CancellationToken, Task> initialize)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _done;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_done)
            {
                await initialize(cancellationToken);
                _done = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}

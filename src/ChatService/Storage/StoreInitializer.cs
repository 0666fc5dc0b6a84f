namespace Chat.ChatService.Storage;

/// <summary>
/// Applies the schema at start, retrying while the database is not up yet; the service listens
/// meanwhile and answers Unavailable (and not ready) until the store is reachable.
/// </summary>
internal sealed partial class StoreInitializer(IMessageStore store, ILogger<StoreInitializer> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.InitializeAsync(stoppingToken);
                LogReady(logger);
                return;
            }
            catch (StoreUnavailableException e)
            {
                LogWaiting(logger, e.Message);
            }
            await Task.Delay(RetryDelay, stoppingToken);
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Message store ready")]
    private static partial void LogReady(ILogger logger);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Message store not reachable yet, retrying: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string reason);
}

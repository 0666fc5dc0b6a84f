using Grpc.Core;

namespace Chat.Edge.Connections;

/// <summary>
/// The log lines of a connection's parts (reader, dispatcher, writer, stream), in one place so
/// their event ids stay unique and stable. Every line names the user, never what they wrote.
/// </summary>
internal static partial class ConnectionLog
{
    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Connection of {User} dropped: {Reason}")]
    public static partial void Dropped(ILogger logger, string user, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Connection of {User} cut off: its outgoing queue reached {Limit} frames")]
    public static partial void SlowReader(ILogger logger, string user, int limit);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Connection of {User} closed after {Errors} bad frames in a row")]
    public static partial void Abusive(ILogger logger, string user, int errors);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Live message {Id} for {User} was not found in the store while filling a gap; delivering it anyway")]
    public static partial void NotInStore(ILogger logger, string user, string id);

    [LoggerMessage(EventId = 120, Level = LogLevel.Error, Message = "Sync for {User} was refused with {Status}; closing the connection")]
    public static partial void SyncRefused(ILogger logger, string user, StatusCode status);
}

using Chat.ChatService.Storage;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Chat.ChatService.Grpc;

/// <summary>
/// Store failures as the gRPC codes callers can act on: an unreachable database is Unavailable
/// (retry later), a call that ran out of time is DeadlineExceeded, a refused group call
/// NotFound / PermissionDenied / FailedPrecondition, never Unknown.
/// </summary>
internal sealed partial class StoreFailureInterceptor(ILogger<StoreFailureInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException && StatusOf(e, context) is { } status)
        {
            if (e is StoreUnavailableException)
            {
                LogUnavailable(logger, context.Method, e.Message);
            }
            throw new RpcException(status);
        }
    }

    /// <summary>
    /// The status a store failure is answered with; null for what is not a store failure (a bug,
    /// or an outage <see cref="ServiceDefaults.Grpc.DependencyOutageInterceptor"/> maps).
    /// </summary>
    public static Status? StatusOf(Exception e, ServerCallContext context) => e switch
    {
        StoreUnavailableException => new Status(StatusCode.Unavailable, "the message store is unavailable"),
        OperationCanceledException when context.CancellationToken.IsCancellationRequested => new Status(
            context.Deadline <= DateTime.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled,
            "the call ended before the store answered"),
        _ => RefusalOf(e),
    };

    /// <summary>
    /// The status of a refusal of the request itself (bad fields, an unknown user or group, not a
    /// member, a full group), which calling again cannot change; null for anything else (the
    /// store away, the call out of time). StoreMessages answers these per message.
    /// </summary>
    public static Status? RefusalOf(Exception e) => e switch
    {
        ConversationAccessException access => new Status(
            access.Error switch
            {
                ConversationAccessError.GroupNotFound => StatusCode.NotFound,
                ConversationAccessError.GroupFull => StatusCode.FailedPrecondition,
                _ => StatusCode.PermissionDenied,
            },
            access.Message),
        ArgumentException => new Status(StatusCode.InvalidArgument, e.Message),
        RpcException { StatusCode: StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.PermissionDenied or StatusCode.FailedPrecondition } rpc => rpc.Status,
        _ => null,
    };

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "{Method}: message store unavailable: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string method, string reason);
}

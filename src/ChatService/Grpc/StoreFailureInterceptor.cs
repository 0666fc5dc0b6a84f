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
        catch (StoreUnavailableException e)
        {
            LogUnavailable(logger, context.Method, e.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "the message store is unavailable"));
        }
        catch (ConversationAccessException e)
        {
            var code = e.Error switch
            {
                ConversationAccessError.GroupNotFound => StatusCode.NotFound,
                ConversationAccessError.GroupFull => StatusCode.FailedPrecondition,
                _ => StatusCode.PermissionDenied,
            };
            throw new RpcException(new Status(code, e.Message));
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            var code = context.Deadline <= DateTime.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled;
            throw new RpcException(new Status(code, "the call ended before the store answered"));
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "{Method}: message store unavailable: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string method, string reason);
}

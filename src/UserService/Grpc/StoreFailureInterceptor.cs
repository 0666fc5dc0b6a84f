using Grpc.Core;
using Grpc.Core.Interceptors;
using Npgsql;

namespace Chat.UserService.Grpc;

/// <summary>
/// A database that cannot be reached is the service being unavailable — a status the caller can
/// retry on — not an unknown error.
/// </summary>
public sealed partial class StoreFailureInterceptor(ILogger<StoreFailureInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (IsStoreOutage(e) && !context.CancellationToken.IsCancellationRequested)
        {
            LogOutage(logger, context.Method, e.GetBaseException().Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "the user database is unavailable"));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled or its deadline passed"));
        }
    }

    private static bool IsStoreOutage(Exception e) =>
        e is NpgsqlException or TimeoutException || e.InnerException is NpgsqlException or TimeoutException;

    [LoggerMessage(EventId = 30, Level = LogLevel.Error, Message = "{Method} failed: the database is unavailable ({Reason})")]
    private static partial void LogOutage(ILogger logger, string method, string reason);
}

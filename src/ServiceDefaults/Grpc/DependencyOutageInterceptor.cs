using System.Data.Common;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Chat.ServiceDefaults.Grpc;

/// <summary>
/// A database or other dependency that cannot be reached means the service is unavailable — a
/// status callers may retry — not an unknown error with a stack trace. Services add what counts as
/// an outage for their own drivers (<see cref="DependencyOutageOptions"/>).
/// </summary>
public sealed partial class DependencyOutageInterceptor(DependencyOutageOptions options, ILogger<DependencyOutageInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled or its deadline passed"));
        }
        catch (Exception e) when (e is not RpcException && options.IsOutage(e))
        {
            if (context.CancellationToken.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled or its deadline passed"));
            }
            LogOutage(logger, context.Method, e.GetBaseException().Message);
            throw new RpcException(options.Unavailable());
        }
    }

    [LoggerMessage(EventId = 900, Level = LogLevel.Error, Message = "{Method} failed: a dependency is unavailable ({Reason})")]
    private static partial void LogOutage(ILogger logger, string method, string reason);
}

/// <summary>Which exceptions mean "a dependency is down".</summary>
public sealed class DependencyOutageOptions
{
    /// <summary>Named in the status detail callers see.</summary>
    public string DependencyName { get; set; } = "the database";

    public List<Func<Exception, bool>> Outages { get; } =
    [
        // IsTransient: the driver's own word that the server could not be reached or is going away
        // (not a bad statement, which is a bug and stays an error).
        e => e is DbException { IsTransient: true } or TimeoutException or SocketException,
    ];

    /// <summary>What a caller is answered when a dependency is down.</summary>
    public Status Unavailable() => new(StatusCode.Unavailable, $"{DependencyName} is unavailable; try again");

    public bool IsOutage(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            var candidate = current;
            if (Outages.Any(isOutage => isOutage(candidate)))
            {
                return true;
            }
        }
        return false;
    }
}

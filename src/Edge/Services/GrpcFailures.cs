using Grpc.Core;

namespace Chat.Edge.Services;

/// <summary>
/// Which failures of a call to an internal service may pass if one waits: for a caller that waits
/// on its own terms (a connection catching up). Retries within one call are the channel's
/// (ServiceDefaults' IdempotentRetries).
/// </summary>
public static class GrpcFailures
{
    /// <summary>
    /// The service could not be reached or did not answer in time. Only safe to ask again for calls
    /// that are idempotent (reads, and StoreMessage with the same idempotency key).
    /// </summary>
    public static bool IsTransient(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted;
}

using System.Net;

namespace Chat.ServiceDefaults.Discovery;

/// <summary>What a failed call to Consul means for the loop that made it.</summary>
public enum ConsulFailureKind
{
    /// <summary>No answer: the agent is down, restarting, or too slow. It will be back.</summary>
    Unreachable,

    /// <summary>
    /// The agent answered and said no (400 invalid definition, 401/403 ACL): asking again changes
    /// nothing until an operator fixes the configuration or the token's policy.
    /// </summary>
    Refused,

    /// <summary>Anything else (a body that is not the JSON we expect, a bug of ours).</summary>
    Unexpected,
}

public static class ConsulFailure
{
    public static ConsulFailureKind Classify(Exception e) => e switch
    {
        ConsulException c when IsRefusal(c.Status) => ConsulFailureKind.Refused,
        ConsulException or HttpRequestException or TaskCanceledException => ConsulFailureKind.Unreachable,
        _ => ConsulFailureKind.Unexpected,
    };

    // 408 and 429 are "not now" rather than "no"; 404 is handled by each call where it means "gone".
    private static bool IsRefusal(HttpStatusCode status) =>
        (int)status is >= 400 and < 500 && status is not HttpStatusCode.RequestTimeout and not HttpStatusCode.TooManyRequests;
}

namespace Chat.Contracts;

/// <summary>Trailers the services set on a refusal and the Edge reads to answer its client.</summary>
public static class GrpcTrailers
{
    /// <summary>On <c>ResourceExhausted</c> (login throttling): whole seconds until another try may succeed.</summary>
    public const string RetryAfterSeconds = "retry-after-seconds";
}

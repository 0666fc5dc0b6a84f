using Chat.Contracts.Chat.V1;
using Chat.Contracts.User.V1;
using Grpc.Core;
using Grpc.Net.Client.Configuration;

namespace Chat.ServiceDefaults.Grpc;

/// <summary>
/// The one retry policy of calls between services, on every internal channel: a call to a method
/// that may run twice without harm is tried again when the service answered Unavailable (it
/// refused the connection, was restarting, or its own database was away), at most
/// <see cref="MaxAttempts"/> times in all. Every attempt shares the call's one deadline
/// (<see cref="ServiceCallOptions.CallTimeout"/>): a retry never makes a call take longer than a
/// call may, and a call that ran out of time is not tried again. Methods that would act twice
/// (registration, login, refresh, logout, group changes) are not listed: a caller sees their
/// failure and decides.
/// </summary>
public static class IdempotentRetries
{
    public const int MaxAttempts = 3;

    /// <summary>The first pause; each next one is <see cref="BackoffMultiplier"/> times longer (gRPC adds jitter).</summary>
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(100);

    public const double BackoffMultiplier = 2;

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    /// <summary>
    /// StoreMessage and StoreMessages are idempotent by sender and clientId (the Edge gives a send without one a key of
    /// its own, the same for every attempt); MarkRead and AckDelivered only move a mark forward;
    /// the rest only read. StoreMessageStream is not listed: the channel does not retry a stream
    /// once it has started, so the Edge sends a batch again itself, with <see cref="Backoff"/>.
    /// </summary>
    public static IReadOnlyList<MethodName> Methods { get; } =
    [
        .. Of(ChatService.Descriptor.FullName,
            nameof(ChatService.ChatServiceBase.StoreMessage),
            nameof(ChatService.ChatServiceBase.StoreMessages),
            nameof(ChatService.ChatServiceBase.GetHistory),
            nameof(ChatService.ChatServiceBase.SyncMessages),
            nameof(ChatService.ChatServiceBase.AckDelivered),
            nameof(ChatService.ChatServiceBase.AckDeliveredMany),
            nameof(ChatService.ChatServiceBase.GetGroup),
            nameof(ChatService.ChatServiceBase.ListGroups),
            nameof(ChatService.ChatServiceBase.MarkRead),
            nameof(ChatService.ChatServiceBase.ListConversations)),
        .. Of(UserService.Descriptor.FullName,
            nameof(UserService.UserServiceBase.ValidateToken),
            nameof(UserService.UserServiceBase.LookupUsers),
            nameof(UserService.UserServiceBase.ListSessions),
            nameof(UserService.UserServiceBase.EndedSessions)),
    ];

    /// <summary>
    /// The pause before attempt <paramref name="attempt"/> + 1, for a caller that retries by
    /// itself (a stream, which the channel does not retry): random up to the policy's backoff, as
    /// gRPC's own retries pause, and at least a millisecond.
    /// </summary>
    public static TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(InitialBackoff.TotalMilliseconds * Math.Pow(BackoffMultiplier, attempt - 1), MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Math.Max(1, Random.Shared.NextDouble() * ceiling));
    }

    /// <summary>The method config to add to a channel's service config.</summary>
    public static MethodConfig MethodConfig()
    {
        var config = new MethodConfig
        {
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = MaxAttempts,
                InitialBackoff = InitialBackoff,
                MaxBackoff = MaxBackoff,
                BackoffMultiplier = BackoffMultiplier,
                RetryableStatusCodes = { StatusCode.Unavailable },
            },
        };
        foreach (var method in Methods)
        {
            config.Names.Add(method);
        }
        return config;
    }

    private static IEnumerable<MethodName> Of(string service, params string[] methods) =>
        methods.Select(method => new MethodName { Service = service, Method = method });
}

using System.ComponentModel.DataAnnotations;

namespace Chat.ServiceDefaults.Grpc;

/// <summary>
/// Calls from one service to the others (section <c>Services</c>): where each service is, and how
/// long a call may take. Each caller validates the addresses it needs (<see cref="InternalGrpcClients"/>).
/// </summary>
public sealed class ServiceCallOptions
{
    public const string Section = "Services";

    /// <summary>gRPC address of UserService: http://host:port, or consul://user-service.</summary>
    public string? UserService { get; set; }

    /// <summary>gRPC address of ChatService: http://host:port, or consul://chat-service.</summary>
    public string? ChatService { get; set; }

    /// <summary>
    /// The deadline of every call to another service, all its retries included
    /// (<see cref="IdempotentRetries"/>): gRPC has none by default. A call sets its own only
    /// where a different bound is deliberate, and says why.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The configured address of <paramref name="service"/>; null when it is none a channel can use
    /// (a bare <c>host:port</c> parses as a URI with the scheme <c>host</c>, so the scheme is checked).
    /// </summary>
    public Uri? AddressOf(InternalService service) =>
        Uri.TryCreate(Setting(service), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "consul" ? uri : null;

    /// <summary>The address as configured, for a message that shows it.</summary>
    public string? Setting(InternalService service) => service switch
    {
        InternalService.UserService => UserService,
        InternalService.ChatService => ChatService,
        _ => null,
    };
}

/// <summary>The services one service may call; the names are their settings under <c>Services</c>.</summary>
public enum InternalService
{
    UserService,
    ChatService,
}

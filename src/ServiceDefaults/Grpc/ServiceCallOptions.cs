using Microsoft.Extensions.Configuration;

namespace Chat.ServiceDefaults.Grpc;

/// <summary>
/// Calls from one service to the others (section <c>Services</c>): where each service is, and how
/// long a call may take. Each caller reads the addresses it needs.
/// </summary>
public sealed class ServiceCallOptions
{
    public const string Section = "Services";

    /// <summary>gRPC address of UserService: http://host:port, or consul://user-service.</summary>
    public string? UserService { get; set; }

    /// <summary>gRPC address of ChatService: http://host:port, or consul://chat-service.</summary>
    public string? ChatService { get; set; }

    /// <summary>Deadline of a call that sets none itself: gRPC has none by default.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public DateTime Deadline() => DateTime.UtcNow + CallTimeout;

    /// <summary>The section as configured, for registrations made before the container exists.</summary>
    public static ServiceCallOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ServiceCallOptions>() ?? new ServiceCallOptions();

    /// <summary>The address configured under <c>Services:<paramref name="name"/></c>, or a start-up error that says what is wrong.</summary>
    public static Uri Address(string? value, string name) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
            ? uri
            : throw new InvalidOperationException($"{Section}:{name} must be the service's gRPC address (http://host:port or consul://name); it is '{value}'.");
}

namespace Chat.Edge.Services;

/// <summary>Calls from the Edge to the internal services (section <c>Services</c>).</summary>
public sealed class ServiceCallOptions
{
    public const string Section = "Services";

    /// <summary>gRPC address of UserService: http://host:port, or consul://user-service.</summary>
    public string? UserService { get; set; }

    /// <summary>gRPC address of ChatService: http://host:port, or consul://chat-service.</summary>
    public string? ChatService { get; set; }

    /// <summary>Deadline of each call the HTTP API makes: gRPC has none by default.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public DateTime Deadline() => DateTime.UtcNow + CallTimeout;
}

using System.Text.Json.Serialization;

namespace Chat.ServiceDefaults.Discovery;

// The subset of Consul's HTTP API bodies we use, with Consul's own (PascalCase) field names.

/// <summary>Body of <c>PUT /v1/agent/service/register</c>.</summary>
public sealed record ServiceRegistration(
    [property: JsonPropertyName("ID")] string Id,
    [property: JsonPropertyName("Name")] string Name,
    [property: JsonPropertyName("Address")] string Address,
    [property: JsonPropertyName("Port")] int Port,
    [property: JsonPropertyName("Check")] HealthCheckDefinition Check);

/// <summary>
/// A check the agent runs: <see cref="Grpc"/> (<c>host:port</c>, grpc.health.v1) or
/// <see cref="Http"/> (a URL; 2xx is passing). Durations in Consul's Go syntax ("5s").
/// </summary>
public sealed record HealthCheckDefinition
{
    [JsonPropertyName("GRPC"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Grpc { get; init; }
    [JsonPropertyName("GRPCUseTLS"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? GrpcUseTls { get; init; }
    [JsonPropertyName("HTTP"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Http { get; init; }
    [JsonPropertyName("Interval")] public string Interval { get; init; } = "5s";
    [JsonPropertyName("Timeout")] public string Timeout { get; init; } = "3s";
    [JsonPropertyName("DeregisterCriticalServiceAfter")] public string DeregisterCriticalServiceAfter { get; init; } = "1m";
}

/// <summary>One element of <c>GET /v1/health/service/:name</c>.</summary>
public sealed record ServiceEntry(
    [property: JsonPropertyName("Node")] NodeInfo Node,
    [property: JsonPropertyName("Service")] AgentService Service);

public sealed record NodeInfo(
    [property: JsonPropertyName("Node")] string Name,
    [property: JsonPropertyName("Address")] string Address);

/// <summary>A registered service instance (also the body of <c>GET /v1/agent/service/:id</c>).</summary>
public sealed record AgentService(
    [property: JsonPropertyName("ID")] string Id,
    [property: JsonPropertyName("Service")] string Service,
    [property: JsonPropertyName("Address")] string Address,
    [property: JsonPropertyName("Port")] int Port);

/// <summary>A healthy instance's endpoint: the service address, or the node's when the service gave none.</summary>
public sealed record ServiceInstance(string Id, string Host, int Port)
{
    public static ServiceInstance From(ServiceEntry entry) => new(
        entry.Service.Id,
        string.IsNullOrEmpty(entry.Service.Address) ? entry.Node.Address : entry.Service.Address,
        entry.Service.Port);
}

[JsonSerializable(typeof(ServiceRegistration))]
[JsonSerializable(typeof(List<ServiceEntry>))]
[JsonSerializable(typeof(AgentService))]
internal sealed partial class ConsulJson : JsonSerializerContext;

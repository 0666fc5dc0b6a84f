using System.Text.RegularExpressions;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Gateway;

/// <summary>
/// docker-compose.yml as the compose validator reads it (skipped where <c>docker-compose</c> is not
/// installed; CI installs it): valid with .env.example, only the gateway on every interface, and a
/// health check on every long-running container.
/// </summary>
public sealed partial class ComposeFileTests
{
    private static readonly string ComposeFile = Path.Combine(RepositoryPaths.Root, "docker-compose.yml");
    private static readonly string ExampleEnv = Path.Combine(RepositoryPaths.Root, ".env.example");

    [SkippableFact]
    public async Task The_compose_file_is_valid_with_the_example_settings()
    {
        Skip.IfNot(HasValidator(), "docker-compose is not installed");

        await TestRun.RunAsync("docker-compose", "-f", ComposeFile, "--env-file", ExampleEnv, "config", "-q");
    }

    [SkippableFact]
    public async Task Only_the_gateway_is_published_beyond_loopback_and_every_service_has_a_health_check()
    {
        Skip.IfNot(HasValidator(), "docker-compose is not installed");
        var version = await TestRun.RunAsync("docker-compose", "version", "--short");
        // The parser below reads the output of the 1.x validator CI installs.
        Skip.IfNot(version.TrimStart().StartsWith("1.", StringComparison.Ordinal), "the port check reads docker-compose 1.x output");

        var services = ParseServices(await TestRun.RunAsync("docker-compose", "-f", ComposeFile, "--env-file", ExampleEnv, "--profile", "test", "config"));

        Assert.Equal(["80:8080"], services["gateway"].Ports);
        Assert.Equal(["127.0.0.1:7001:7001"], services["user-service"].Ports);
        Assert.Equal(["127.0.0.1:7002:7002"], services["chat-service"].Ports);
        Assert.Equal(["127.0.0.1:8500:8500"], services["consul"].Ports);
        foreach (var (name, service) in services.Where(s => s.Key != "gateway"))
        {
            Assert.All(service.Ports, p => Assert.StartsWith("127.0.0.1:", p, StringComparison.Ordinal));
        }
        // The tests service is a one-shot job, not something to wait for.
        foreach (var (name, service) in services.Where(s => s.Key != "tests"))
        {
            Assert.True(service.HasHealthCheck, $"{name} has no health check");
        }
        Assert.Equal(
            ["chat-service", "consul", "edge-1", "edge-2", "gateway", "mongo", "postgres", "redis", "tests", "user-service"],
            services.Keys.Order(StringComparer.Ordinal));
    }

    private static bool HasValidator() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, "docker-compose")));

    private sealed record Service(List<string> Ports, bool HasHealthCheck);

    /// <summary>
    /// The services of the normalised YAML `docker-compose config` prints (two-space indentation),
    /// each port as "[IP:]HOST:CONTAINER": the validator writes "- 127.0.0.1:7001:7001/tcp", or,
    /// for an interpolated port, "- published: 80" with "target:" (and "host_ip:") below it.
    /// </summary>
    private static Dictionary<string, Service> ParseServices(string yaml)
    {
        var services = new Dictionary<string, Service>(StringComparer.Ordinal);
        string? current = null;
        var inServices = false;
        var inPorts = false;
        Dictionary<string, string>? longPort = null;
        void EndLongPort()
        {
            if (current is not null && longPort is not null)
            {
                var ip = longPort.TryGetValue("host_ip", out var hostIp) ? hostIp + ":" : "";
                services[current].Ports.Add($"{ip}{longPort["published"]}:{longPort["target"]}");
            }
            longPort = null;
        }
        foreach (var line in yaml.Split('\n'))
        {
            if (longPort is not null && LongPortField().Match(line) is { Success: true } field)
            {
                longPort[field.Groups[1].Value] = field.Groups[2].Value.Trim('\'', '"');
                continue;
            }
            EndLongPort();
            if (TopLevelKey().Match(line) is { Success: true } top)
            {
                inServices = top.Groups[1].Value == "services";
                current = null;
            }
            else if (inServices && ServiceKey().Match(line) is { Success: true } service)
            {
                current = service.Groups[1].Value;
                services[current] = new Service([], false);
                inPorts = false;
            }
            else if (current is not null && ServiceProperty().Match(line) is { Success: true } property)
            {
                inPorts = property.Groups[1].Value == "ports";
                if (property.Groups[1].Value == "healthcheck")
                {
                    services[current] = services[current] with { HasHealthCheck = true };
                }
            }
            else if (current is not null && inPorts && LongPortStart().Match(line) is { Success: true } start)
            {
                longPort = new() { [start.Groups[1].Value] = start.Groups[2].Value.Trim('\'', '"') };
            }
            else if (current is not null && inPorts && PortItem().Match(line) is { Success: true } port)
            {
                services[current].Ports.Add(port.Groups[1].Value.Trim('\'', '"').Replace("/tcp", "", StringComparison.Ordinal));
            }
        }
        return services;
    }

    [GeneratedRegex(@"^([a-z]\S*):")]
    private static partial Regex TopLevelKey();

    [GeneratedRegex(@"^  ([A-Za-z0-9_.-]+):\s*$")]
    private static partial Regex ServiceKey();

    [GeneratedRegex(@"^    ([A-Za-z_]+):")]
    private static partial Regex ServiceProperty();

    [GeneratedRegex(@"^    - (\S+)\s*$")]
    private static partial Regex PortItem();

    [GeneratedRegex(@"^    - ([a-z_]+): (\S+)\s*$")]
    private static partial Regex LongPortStart();

    [GeneratedRegex(@"^      ([a-z_]+): (\S+)\s*$")]
    private static partial Regex LongPortField();
}

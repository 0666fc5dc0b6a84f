using System.Globalization;
using System.Text.RegularExpressions;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Gateway;

/// <summary>
/// docker-compose.yml as the compose validator reads it (skipped where <c>docker-compose</c> is not
/// installed; CI installs it): valid with .env.example, only the gateway on every interface, a
/// health check on every long-running container, each image built once, time for the Edges to
/// stop, a test profile that keeps off the system's data, and a cluster profile.
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
        await TestRun.RunAsync("docker-compose", "-f", ComposeFile, "--env-file", ExampleEnv, "--profile", "cluster", "config", "-q");
    }

    [SkippableFact]
    public async Task Only_the_gateway_is_published_beyond_loopback_and_every_service_has_a_health_check()
    {
        var services = await NormalisedServicesAsync();

        Assert.Equal(["80:8080"], services["gateway"].Ports);
        Assert.Equal(["127.0.0.1:7001:7001"], services["user-service"].Ports);
        Assert.Equal(["127.0.0.1:7002:7002"], services["chat-service"].Ports);
        Assert.Equal(["127.0.0.1:8500:8500"], services["consul"].Ports);
        Assert.Equal(["127.0.0.1:9090:9090"], services["prometheus"].Ports);
        Assert.Equal(["127.0.0.1:16686:16686"], services["jaeger"].Ports);
        Assert.Equal(["127.0.0.1:3000:3000"], services["grafana"].Ports);
        foreach (var (name, service) in services.Where(s => s.Key != "gateway"))
        {
            Assert.All(service.Ports, p => Assert.StartsWith("127.0.0.1:", p, StringComparison.Ordinal));
        }
        // The tests and the cluster's creation are one-shot jobs, not something to wait for.
        foreach (var (name, service) in services.Where(s => s.Key is not ("tests" or "redis-cluster-create")))
        {
            Assert.True(service.HasHealthCheck, $"{name} has no health check");
        }
        Assert.Equal(
            ["chat-service", "consul", "edge-1", "edge-2", "gateway", "grafana", "jaeger", "mongo", "postgres", "prometheus", "redis",
             "redis-cluster-create", "redis-node-1", "redis-node-2", "redis-node-3", "redis-node-4", "redis-node-5", "redis-node-6", "test-consul", "test-mongo", "test-postgres", "test-redis", "tests", "user-service"],
            services.Keys.Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public async Task Each_image_is_built_by_one_service_only_and_both_edges_run_the_same_image()
    {
        var services = await NormalisedServicesAsync();

        Assert.Equal(("chat/edge", "chat/edge"), (services["edge-1"].Property("image"), services["edge-2"].Property("image")));
        foreach (var image in services.Values.GroupBy(s => s.Property("image")))
        {
            Assert.True(image.Count(s => s.Lines.Contains("    build:")) <= 1, $"{image.Key} is built by more than one service");
        }
    }

    [SkippableFact]
    public async Task The_edges_get_at_least_ten_seconds_to_stop_after_their_eight_second_shutdown()
    {
        var services = await NormalisedServicesAsync();

        foreach (var edge in new[] { "edge-1", "edge-2" })
        {
            var grace = services[edge].Property("stop_grace_period");
            Assert.True(grace is not null && GracePeriod().Match(grace) is { Success: true } m && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= 10,
                $"{edge}: stop_grace_period is '{grace}', want at least 10s");
        }
    }

    [SkippableFact]
    public async Task The_test_profile_uses_servers_of_its_own_that_keep_nothing()
    {
        var services = await NormalisedServicesAsync();

        var hosts = services["tests"].Lines
            .Select(l => TestServerHost().Match(l))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .ToList();
        Assert.Equal(4, hosts.Count);
        foreach (var host in hosts)
        {
            var server = services[host];
            Assert.True(server.Lines.Contains("    profiles:") && server.Lines.Contains("    - test"), $"the tests use {host}, which is not in the test profile");
            Assert.DoesNotContain("    volumes:", server.Lines);
        }
    }

    [SkippableFact]
    public async Task The_edges_reach_redis_as_its_limited_edge_user_which_redis_gets_from_the_repository()
    {
        var services = await NormalisedServicesAsync();

        foreach (var edge in new[] { "edge-1", "edge-2" })
        {
            var redis = services[edge].Lines.Single(l => l.TrimStart().StartsWith("ConnectionStrings__Redis:", StringComparison.Ordinal));
            Assert.Contains(",user=edge,password=change-me-redis-edge,", redis, StringComparison.Ordinal);
        }
        var server = services["redis"].Lines;
        Assert.Contains(server, l => l.Contains("/etc/chat-redis/start.sh", StringComparison.Ordinal));
        Assert.Contains(server, l => l.Contains("/redis:/etc/chat-redis:ro", StringComparison.Ordinal));
        Assert.Contains(server, l => l.Trim() == "EDGE_REDIS_PASSWORD: change-me-redis-edge");
    }

    [SkippableFact]
    public async Task The_cluster_profile_runs_six_cluster_nodes_that_keep_nothing_and_the_edges_wait_for_the_cluster()
    {
        var services = await NormalisedServicesAsync("cluster");

        var nodes = services.Keys.Where(k => k.StartsWith("redis-node-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([.. Enumerable.Range(1, 6).Select(i => $"redis-node-{i}")], nodes);
        foreach (var node in nodes.Select(n => services[n]))
        {
            Assert.True(node.HasHealthCheck);
            Assert.Contains("    - cluster", node.Lines);
            Assert.Contains("    - --cluster-enabled", node.Lines);
            Assert.Contains("    - --masterauth", node.Lines); // replicas must be able to follow their primary
            Assert.DoesNotContain(node.Lines, l => l.Contains("/data", StringComparison.Ordinal)); // its only volume is the read-only users script
            Assert.Contains(node.Lines, l => l.Contains("/etc/chat-redis/start.sh", StringComparison.Ordinal)); // the same two users as the one Redis
            Assert.Empty(node.Ports);
        }
        foreach (var edge in new[] { "edge-1", "edge-2" })
        {
            var lines = services[edge].Lines;
            var job = lines.IndexOf("      redis-cluster-create:");
            Assert.True(job >= 0, $"{edge} does not wait for redis-cluster-create");
            Assert.Equal("        condition: service_completed_successfully", lines[job + 1]);
        }
        // The job is outside the profile, so the Edges' dependency exists on one Redis too.
        Assert.DoesNotContain("    profiles:", services["redis-cluster-create"].Lines);
    }

    /// <summary>The services of `docker-compose config` with the test profile (or another).</summary>
    private static async Task<Dictionary<string, Service>> NormalisedServicesAsync(string profile = "test")
    {
        Skip.IfNot(HasValidator(), "docker-compose is not installed");
        var version = await TestRun.RunAsync("docker-compose", "version", "--short");
        // The parser below reads the output of the 1.x validator CI installs.
        Skip.IfNot(version.TrimStart().StartsWith("1.", StringComparison.Ordinal), "the parser reads docker-compose 1.x output");
        return ParseServices(await TestRun.RunAsync("docker-compose", "-f", ComposeFile, "--env-file", ExampleEnv, "--profile", profile, "config"));
    }

    private static bool HasValidator() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, "docker-compose")));

    /// <summary>A service's ports, whether it has a health check, and its lines as printed.</summary>
    private sealed record Service(List<string> Ports, bool HasHealthCheck, List<string> Lines)
    {
        /// <summary>A scalar property of the service (`    name: value`), or null.</summary>
        public string? Property(string name) =>
            Lines.Select(l => l.StartsWith($"    {name}: ", StringComparison.Ordinal) ? l[(name.Length + 6)..].Trim() : null)
                .FirstOrDefault(v => v is not null);
    }

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
            if (inServices && current is not null && line.StartsWith("    ", StringComparison.Ordinal))
            {
                services[current].Lines.Add(line);
            }
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
                services[current] = new Service([], false, []);
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

    [GeneratedRegex(@"^(\d+)s$")]
    private static partial Regex GracePeriod();

    /// <summary>The host in a CHAT_TEST_* value: mongodb://HOST:, Host=HOST;, http://HOST:, HOST:6379.</summary>
    [GeneratedRegex(@"^      CHAT_TEST_[A-Z]+: (?:[a-z]+://|Host=)?([a-z0-9-]+)[:;]")]
    private static partial Regex TestServerHost();

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

using System.Diagnostics;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Gateway;

/// <summary>nginx/render.sh, the one renderer of the gateway configuration: clear errors on bad settings.</summary>
public sealed class GatewayConfigurationTests
{
    [Theory]
    [InlineData("", "8080", "100", "lists no Edge replica")]
    [InlineData("edge-1", "8080", "100", "must be HOST:PORT")]
    [InlineData("edge-1:8080; include /etc/passwd", "8080", "100", "must be HOST:PORT")]
    [InlineData("127.0.0.1:5001", "80; evil", "100", "CHAT_GATEWAY_LISTEN must be PORT or ADDRESS:PORT")]
    [InlineData("127.0.0.1:5001", "8080", "0", "CHAT_GATEWAY_CONN_PER_ADDRESS must be a positive number")]
    public async Task Bad_settings_are_refused_with_a_clear_message_and_nothing_is_written(string edges, string listen, string connections, string message)
    {
        var output = Path.Combine(TestRun.NewFolder("render"), "out");

        var (exitCode, stderr) = await RenderAsync(output, edges, listen, connections);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Good_settings_render_every_replica_and_the_listen_address()
    {
        var output = Path.Combine(TestRun.NewFolder("render"), "out");

        var (exitCode, stderr) = await RenderAsync(output, "edge-1:8080, edge-2:8080 [::1]:5003", "127.0.0.1:8080", "7");

        Assert.True(exitCode == 0, stderr);
        var gateway = await File.ReadAllTextAsync(Path.Combine(output, "gateway.conf"));
        Assert.Contains("server edge-1:8080 ", gateway, StringComparison.Ordinal);
        Assert.Contains("server edge-2:8080 ", gateway, StringComparison.Ordinal);
        Assert.Contains("server [::1]:5003 ", gateway, StringComparison.Ordinal);
        Assert.Contains("listen 127.0.0.1:8080 default_server;", gateway, StringComparison.Ordinal);
        Assert.Contains("limit_conn chat_conn_per_address 7;", gateway, StringComparison.Ordinal);
        Assert.DoesNotContain("${CHAT_", gateway, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "nginx.conf")));
    }

    [Fact]
    public async Task The_ci_check_accepts_the_configuration()
    {
        var (exitCode, stderr) = await RunAsync(Path.Combine(RepositoryPaths.Root, "scripts", "check-nginx.sh"), []);

        Assert.True(exitCode == 0, stderr);
    }

    private static Task<(int ExitCode, string Stderr)> RenderAsync(string output, string edges, string listen, string connections) =>
        RunAsync(Path.Combine(RepositoryPaths.Root, "nginx", "render.sh"), [output], new()
        {
            ["CHAT_EDGE_ADDRESSES"] = edges,
            ["CHAT_GATEWAY_LISTEN"] = listen,
            ["CHAT_GATEWAY_CONN_PER_ADDRESS"] = connections,
        });

    private static async Task<(int ExitCode, string Stderr)> RunAsync(string file, string[] args, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stdout;
        return (process.ExitCode, await stderr);
    }
}

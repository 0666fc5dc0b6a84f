using System.Diagnostics;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Reliability;

/// <summary>
/// A setting that cannot work, given to a real service process: it ends the start with one line
/// naming the setting and exit code 2, in every service the same way, with no stack trace (the
/// Edge used to die with 134 and one).
/// </summary>
public sealed class StartupFailureTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static Dictionary<string, string?> EdgeSettings(string key, string value) => new()
    {
        ["Services__UserService"] = "http://127.0.0.1:1",
        ["Services__ChatService"] = "http://127.0.0.1:1",
        [key] = value,
    };

    [Theory]
    [InlineData("Realtime__OutgoingQueueLimit", "0", "Realtime:OutgoingQueueLimit")]
    [InlineData("Realtime__SessionCheckInterval", "00:00:10", "Realtime:SessionCheckInterval")]
    [InlineData("Realtime__DeliveryMarkFlushInterval", "soon", "Realtime:DeliveryMarkFlushInterval")]
    [InlineData("Services__ChatService", "chat-service:5001", "Services:ChatService")]
    [InlineData("Services__CallTimeout", "00:00:00", "Services:CallTimeout")]
    public async Task The_Edge_refuses_a_bad_setting_with_one_line_and_exit_code_2(string key, string value, string setting)
    {
        var (exitCode, output) = await RunUntilExitAsync("Edge", "Chat.Edge", EdgeSettings(key, value));

        AssertRefused("Edge", exitCode, output, setting);
    }

    [Fact]
    public async Task UserService_refuses_a_bad_setting_the_same_way()
    {
        var (exitCode, output) = await RunUntilExitAsync("UserService", "Chat.UserService", new()
        {
            ["ConnectionStrings__Users"] = "Host=127.0.0.1;Port=1;Database=none",
            ["Jwt__Lifetime"] = "00:00:00",
        });

        AssertRefused("UserService", exitCode, output, "Jwt:Lifetime");
    }

    [Fact]
    public async Task ChatService_refuses_a_bad_setting_the_same_way()
    {
        var (exitCode, output) = await RunUntilExitAsync("ChatService", "Chat.ChatService", new()
        {
            ["ConnectionStrings__Messages"] = "Host=127.0.0.1;Port=1;Database=none",
            ["Services__UserService"] = "http://127.0.0.1:1",
            ["Groups__MaxMembers"] = "1",
        });

        AssertRefused("ChatService", exitCode, output, "Groups:MaxMembers");
    }

    private static void AssertRefused(string service, int exitCode, IReadOnlyList<string> output, string setting)
    {
        var all = string.Join('\n', output);
        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{all}");
        var line = Assert.Single(output, l => l.StartsWith($"{service} cannot start: ", StringComparison.Ordinal));
        Assert.Contains(setting, line, StringComparison.Ordinal);
        Assert.DoesNotContain(output, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("   at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Unhandled exception", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", all, StringComparison.Ordinal);
    }

    /// <summary>Starts the service's built assembly as ServiceProcess does, and waits for it to end by itself.</summary>
    private static async Task<(int ExitCode, IReadOnlyList<string> Output)> RunUntilExitAsync(string project, string assemblyName, Dictionary<string, string?> settings)
    {
        var dll = RepositoryPaths.ServiceAssembly(project, assemblyName);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}");
        TestRun.Register(process.Id);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(Patience);
            await process.WaitForExitAsync(timeout.Token);
            var lines = (await stdout + await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return (process.ExitCode, lines);
        }
        finally
        {
            if (!process.HasExited)
            {
                TestRun.KillHard(process.Id);
            }
            TestRun.Unregister(process.Id);
        }
    }
}

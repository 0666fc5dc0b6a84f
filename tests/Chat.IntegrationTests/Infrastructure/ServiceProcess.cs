using System.Text.RegularExpressions;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>
/// One of our services (UserService, ChatService, Edge) running as a real child process, built
/// from <c>src/</c>, listening on a loopback port of its own. Configuration is passed the way an
/// operator passes it: environment variables (<c>Section__Key</c>).
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private ServiceProcess(ChildProcess process, Uri address)
    {
        _process = process;
        Address = address;
    }

    /// <summary><c>http://127.0.0.1:PORT</c></summary>
    public Uri Address { get; }

    public ChildProcess Process => _process;

    public static Task<ServiceProcess> StartUserServiceAsync(IDictionary<string, string?> settings) =>
        StartAsync("UserService", "Chat.UserService", settings);

    public static Task<ServiceProcess> StartChatServiceAsync(IDictionary<string, string?> settings) =>
        StartAsync("ChatService", "Chat.ChatService", settings);

    public static Task<ServiceProcess> StartEdgeAsync(IDictionary<string, string?> settings) =>
        StartAsync("Edge", "Chat.Edge", settings);

    /// <summary>bench/RelayEdge: the Edge with the relay-only message path (no accounts, no store).</summary>
    public static Task<ServiceProcess> StartRelayEdgeAsync(IDictionary<string, string?> settings) =>
        StartAsync("RelayEdge", "Chat.RelayEdge", settings, folder: "bench");

    /// <summary>Starts <c>src/PROJECT</c>'s (or <c>FOLDER/PROJECT</c>'s) built assembly and waits until Kestrel listens.</summary>
    public static async Task<ServiceProcess> StartAsync(string project, string assemblyName, IDictionary<string, string?> settings, int? port = null, string folder = "src")
    {
        var dll = RepositoryPaths.ServiceAssembly(project, assemblyName, folder);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built; run `dotnet build Chat.sln -c {RepositoryPaths.Configuration}` first.", dll);
        }
        var address = new Uri($"http://127.0.0.1:{port ?? FreePort.Next()}");
        var environment = new Dictionary<string, string?>(settings)
        {
            ["ASPNETCORE_URLS"] = address.ToString().TrimEnd('/'),
            ["DOTNET_ENVIRONMENT"] = null,
        };
        environment.TryAdd("ASPNETCORE_ENVIRONMENT", "Development");
        var child = ChildProcess.Start(project, "dotnet", [dll], environment, Path.GetDirectoryName(dll));
        try
        {
            await child.WaitForOutputAsync(ListeningLine(), TimeSpan.FromSeconds(60));
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
        return new ServiceProcess(child, address);
    }

    /// <summary>A crash: SIGKILL.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>A graceful stop: SIGTERM, as Ctrl-C or <c>docker stop</c>.</summary>
    public Task StopAsync() => _process.StopAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    [GeneratedRegex(@"Now listening on: http://")]
    private static partial Regex ListeningLine();
}

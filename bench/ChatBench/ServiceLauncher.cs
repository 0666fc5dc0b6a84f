using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Chat.Bench;

/// <summary>A built service (src/PROJECT) as a child process on a free loopback port, configured by environment variables.</summary>
internal sealed class ServiceLauncher : IAsyncDisposable
{
    private readonly Process _process;

    private ServiceLauncher(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<ServiceLauncher> StartAsync(string repositoryRoot, string project, IDictionary<string, string> settings)
    {
        var dll = Path.Combine(repositoryRoot, "src", project, "bin", "Release", "net10.0", $"Chat.{project}.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("build first: dotnet build Chat.sln -c Release", dll);
        }
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var psi = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll) };
        psi.Environment["ASPNETCORE_URLS"] = address.ToString().TrimEnd('/');
        // Information would log a line per message: the benchmark measures storing, not logging.
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        psi.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in settings)
        {
            psi.Environment[key] = value;
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + dll);
        var listening = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Now listening on", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return new ServiceLauncher(process, address);
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

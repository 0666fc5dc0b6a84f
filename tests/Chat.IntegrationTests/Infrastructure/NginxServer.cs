using System.Globalization;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>
/// The real gateway: <c>nginx/</c> rendered by <c>nginx/render.sh</c> (the renderer compose and
/// run-local.sh use) with the given upstreams into a folder of this run, and started as
/// <c>nginx -p DIR/ -c DIR/nginx.conf</c> on a free loopback port.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly ChildProcess _process;
    private readonly string _folder;
    private readonly int[] _workers;

    private NginxServer(ChildProcess process, string folder, int port, int[] workers)
    {
        _process = process;
        _folder = folder;
        _workers = workers;
        Port = port;
    }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT/</c></summary>
    public Uri Address => new($"http://127.0.0.1:{Port}/");

    /// <summary>The master process; its output holds the access log (one JSON line per request) and errors.</summary>
    public ChildProcess Process => _process;

    /// <summary><c>ws://127.0.0.1:PORT</c> followed by <paramref name="pathAndQuery"/>.</summary>
    public Uri WebSocketAddress(string pathAndQuery) => new($"ws://127.0.0.1:{Port}{pathAndQuery}");

    /// <summary>
    /// Starts a gateway in front of <paramref name="upstreams"/> (each <c>http://HOST:PORT</c>, e.g.
    /// <see cref="ServiceProcess.Address"/>). <paramref name="connectionsPerAddress"/> overrides the
    /// limit of concurrent connections per client address.
    /// </summary>
    public static async Task<NginxServer> StartAsync(IEnumerable<Uri> upstreams, int? connectionsPerAddress = null)
    {
        var folder = TestRun.NewFolder("nginx");
        var port = FreePort.Next();
        var addresses = string.Join(' ', upstreams.Select(u => $"{u.Host}:{u.Port.ToString(CultureInfo.InvariantCulture)}"));
        List<string> render =
        [
            $"CHAT_EDGE_ADDRESSES={addresses}",
            $"CHAT_GATEWAY_LISTEN=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
        ];
        if (connectionsPerAddress is { } limit)
        {
            render.Add($"CHAT_GATEWAY_CONN_PER_ADDRESS={limit.ToString(CultureInfo.InvariantCulture)}");
        }
        await TestRun.RunAsync("env", [.. render, Path.Combine(RepositoryPaths.Root, "nginx", "render.sh"), folder]);

        var process = ChildProcess.Start("nginx", "nginx", ["-p", folder + "/", "-c", Path.Combine(folder, "nginx.conf")]);
        try
        {
            await WaitUntilAnsweringAsync(process, port);
        }
        catch
        {
            await process.StopAsync();
            await process.DisposeAsync();
            throw;
        }
        return new NginxServer(process, folder, port, RegisterWorkers(process.Pid));
    }

    /// <summary>SIGTERM: nginx's fast shutdown; the master exits once its workers have.</summary>
    public async Task StopAsync()
    {
        await _process.StopAsync();
        foreach (var pid in _workers)
        {
            TestRun.Unregister(pid);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Not SIGKILL first: a killed master leaves its workers running, holding the port.
        await StopAsync();
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Ready when the gateway's own <c>/healthz</c> answers: the workers are up.</summary>
    private static async Task WaitUntilAnsweringAsync(ChildProcess process, int port)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited at start:\n{string.Join('\n', process.Output)}");
            }
            try
            {
                using var answer = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"));
                return answer.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException)
            {
                return false;
            }
        }, $"nginx answering on {port}", StartTimeout, () => ":\n" + string.Join('\n', process.Output));
    }

    /// <summary>
    /// A master killed with SIGKILL leaves its workers running and holding the port, so the run
    /// remembers them too, for the case that it is itself killed before it could stop nginx.
    /// </summary>
    private static int[] RegisterWorkers(int masterPid)
    {
        var childrenFile = $"/proc/{masterPid}/task/{masterPid}/children";
        if (!File.Exists(childrenFile))
        {
            return [];
        }
        var workers = File.ReadAllText(childrenFile)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pid => int.Parse(pid, CultureInfo.InvariantCulture))
            .ToArray();
        foreach (var pid in workers)
        {
            TestRun.Register(pid);
        }
        return workers;
    }
}

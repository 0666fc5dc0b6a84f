using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>
/// A stand-in for a Consul agent, and only because no Consul server can be installed on the
/// machines that run these tests (the compose `test` profile runs against a real one). It
/// implements, as Consul's HTTP API documentation describes them, the endpoints the system uses:
/// agent service register / deregister / read, and the health of a service with <c>passing</c>
/// and blocking queries (<c>index</c>, <c>wait</c>, <c>X-Consul-Index</c>). It runs the checks it
/// is given (HTTP GET, gRPC health) on their interval, starts them critical as Consul does, and
/// removes services critical for longer than DeregisterCriticalServiceAfter. An ACL token can be
/// required. Stopping it and starting a new one on the same port is an agent restart: all
/// registrations are gone and the index starts over. Where the real agent is strict, so is this:
/// checks run at least 1 s apart, each first run after a random part of its interval; the reaper
/// looks every 30 s (on the given <see cref="TimeProvider"/>) and waits at least 1 minute; a
/// blocking query answers only once the index is above the one asked for, or after its wait plus
/// up to wait/16 of jitter (see docs/discovery.md for where in Consul's source each rule is).
/// A test can make it answer one request wrongly (<see cref="AnswerOnce"/>), as a broken proxy might.
/// </summary>
public sealed partial class TestConsulServer : IAsyncDisposable
{
    private const string NodeName = "test-agent";
    private static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MinCheckInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReapInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinDeregisterCriticalServiceAfter = TimeSpan.FromMinutes(1);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Registration> _services = new();
    private readonly string? _requiredToken;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<Fault> _faults = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _deregistrations = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _nextRegistrations = new();
    private readonly TimeProvider _time;
    private ulong _index = 1;

    private TestConsulServer(WebApplication app, Uri address, string? requiredToken, TimeProvider time)
    {
        _app = app;
        Address = address;
        _requiredToken = requiredToken;
        _time = time;
    }

    public Uri Address { get; }

    public int Port => Address.Port;

    /// <summary>The ids of the registered services.</summary>
    public IReadOnlyCollection<string> ServiceIds => [.. _services.Keys];

    /// <summary>passing, warning or critical; null when not registered.</summary>
    public string? StatusOf(string serviceId) => _services.TryGetValue(serviceId, out var r) ? r.Status : null;

    /// <summary>The last output of the service's check.</summary>
    public string? CheckOutputOf(string serviceId) => _services.TryGetValue(serviceId, out var r) ? r.Output : null;

    public JsonObject? RegistrationOf(string serviceId) => _services.TryGetValue(serviceId, out var r) ? r.Body : null;

    /// <summary>Completes when <paramref name="serviceId"/> is deregistered through the API (not reaped).</summary>
    public Task Deregistration(string serviceId) =>
        _deregistrations.GetOrAdd(serviceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Completes at the next registration of <paramref name="serviceId"/> from now on.</summary>
    public Task NextRegistration(string serviceId) =>
        _nextRegistrations.GetOrAdd(serviceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>
    /// The next request whose path starts with <paramref name="pathPrefix"/> gets this answer
    /// instead of the real one; the task completes once it has been sent.
    /// </summary>
    public Task AnswerOnce(string pathPrefix, int status, string body)
    {
        var fault = new Fault(pathPrefix, status, body);
        _faults.Enqueue(fault);
        return fault.Served.Task;
    }

    public static async Task<TestConsulServer> StartAsync(int? port = null, string? requiredToken = null, TimeProvider? time = null)
    {
        var address = new Uri($"http://127.0.0.1:{port ?? FreePort.Next()}");
        var builder = WebApplication.CreateSlimBuilder();
        // Its own endpoint settings: the services' appsettings.json (HTTP/2 only) sit beside the tests.
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, address.Port, o => o.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new TestConsulServer(app, address, requiredToken, time ?? TimeProvider.System);
        server.MapApi();
        await app.StartAsync();
        _ = Task.Run(server.ReapAsync);
        return server;
    }

    private void MapApi()
    {
        _app.Use(async (context, next) =>
        {
            if (TakeFault(context.Request.Path) is { } fault)
            {
                context.Response.StatusCode = fault.Status;
                await context.Response.WriteAsync(fault.Body);
                fault.Served.TrySetResult();
                return;
            }
            if (_requiredToken is not null && context.Request.Headers["X-Consul-Token"] != _requiredToken)
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync("Permission denied");
                return;
            }
            await next();
        });
        _app.MapPut("/v1/agent/service/register", RegisterAsync);
        _app.MapPut("/v1/agent/service/deregister/{id}", (string id) =>
        {
            if (!_services.TryRemove(id, out var removed))
            {
                return Results.Text($"Unknown service ID \"{id}\"", statusCode: StatusCodes.Status404NotFound);
            }
            removed.Stop();
            Changed();
            _deregistrations.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return Results.Ok();
        });
        _app.MapGet("/v1/agent/service/{id}", (string id) =>
            _services.TryGetValue(id, out var r)
                ? Results.Json(new JsonObject { ["ID"] = r.Id, ["Service"] = r.Name, ["Address"] = r.Address, ["Port"] = r.Port })
                : Results.Text($"unknown service ID: {id}", statusCode: StatusCodes.Status404NotFound));
        _app.MapGet("/v1/health/service/{name}", HealthAsync);
    }

    private async Task<IResult> RegisterAsync(HttpRequest request)
    {
        JsonObject body;
        try
        {
            body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
        }
        catch (JsonException e)
        {
            return Results.Text($"Request decode failed: {e.Message}", statusCode: StatusCodes.Status400BadRequest);
        }
        var name = (string?)body["Name"];
        if (string.IsNullOrEmpty(name))
        {
            return Results.Text("Missing service name", statusCode: StatusCodes.Status400BadRequest);
        }
        var registration = new Registration(body, (string?)body["ID"] is { Length: > 0 } id ? id : name, name,
            (string?)body["Address"] ?? "", (int?)body["Port"] ?? 0, body["Check"] as JsonObject, _time.GetUtcNow());
        if (_services.TryGetValue(registration.Id, out var old))
        {
            old.Stop();
        }
        _services[registration.Id] = registration;
        Changed();
        if (_nextRegistrations.TryRemove(registration.Id, out var waiting))
        {
            waiting.TrySetResult();
        }
        if (registration.Check is not null)
        {
            _ = Task.Run(() => RunCheckAsync(registration));
        }
        return Results.Ok();
    }

    private async Task<IResult> HealthAsync(HttpContext context, string name)
    {
        var query = context.Request.Query;
        if (query.TryGetValue("index", out var indexText) && ulong.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index > 0)
        {
            var wait = Duration(query["wait"]) ?? DefaultWait;
            wait = wait > MaxWait ? MaxWait : wait;
            // Consul's jitter: up to wait/16 more, so that many watchers do not all time out together.
            using var expired = new CancellationTokenSource(wait + (wait / 16 * Random.Shared.NextDouble()));
            using var gone = CancellationTokenSource.CreateLinkedTokenSource(expired.Token, context.RequestAborted);
            // As the agent does: a change that leaves the index at or below the one asked for is no news.
            while (!gone.IsCancellationRequested)
            {
                Task changed;
                lock (_gate)
                {
                    if (_index > index)
                    {
                        break;
                    }
                    changed = _changed.Task;
                }
                await changed.WaitAsync(gone.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        // The index is read before the services, as Consul answers with the index of the state it
        // read: a change made while the entries are built is then in the entries, or above this
        // index (the next blocking query returns at once). The other way round an answer could
        // carry a check's new index with its old status, and a watcher would wait past the change.
        ulong answered;
        lock (_gate)
        {
            answered = _index;
        }
        var passingOnly = query.ContainsKey("passing") && query["passing"] != "false";
        var entries = new JsonArray();
        foreach (var r in _services.Values.Where(r => r.Name == name && (!passingOnly || r.Status == "passing")).OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            entries.Add(new JsonObject
            {
                ["Node"] = new JsonObject { ["Node"] = NodeName, ["Address"] = "127.0.0.1" },
                ["Service"] = new JsonObject { ["ID"] = r.Id, ["Service"] = r.Name, ["Address"] = r.Address, ["Port"] = r.Port },
                ["Checks"] = new JsonArray(new JsonObject { ["CheckID"] = $"service:{r.Id}", ["Status"] = r.Status }),
            });
        }
        context.Response.Headers["X-Consul-Index"] = answered.ToString(CultureInfo.InvariantCulture);
        return Results.Json(entries);
    }

    private async Task RunCheckAsync(Registration registration)
    {
        var check = registration.Check!;
        var interval = Duration((string?)check["Interval"]) ?? TimeSpan.FromSeconds(10);
        interval = interval < MinCheckInterval ? MinCheckInterval : interval;
        var timeout = Duration((string?)check["Timeout"]) ?? TimeSpan.FromSeconds(10);
        using var http = new HttpClient { Timeout = timeout };
        // The agent staggers each check's first run over its interval (registered critical meanwhile).
        var next = interval * Random.Shared.NextDouble();
        while (true)
        {
            // The fake agent's own check timer, as the real agent runs it; no test waits here.
            await Task.Delay(next, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (_stop.IsCancellationRequested || registration.Stopped)
            {
                return;
            }
            var (status, output) = await ProbeAsync(check, http, timeout);
            registration.Output = output;
            if (status != registration.Status)
            {
                registration.CriticalSince = status == "critical" ? _time.GetUtcNow() : null;
                registration.Status = status;
                Changed();
            }
            next = interval;
        }
    }

    /// <summary>The agent's reaper: every 30 s, removes services critical for longer than their DeregisterCriticalServiceAfter (at least 1 minute).</summary>
    private async Task ReapAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await Task.Delay(ReapInterval, _time, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var registration in _services.Values)
            {
                if (Duration((string?)registration.Check?["DeregisterCriticalServiceAfter"]) is not { } after
                    || registration.CriticalSince is not { } since)
                {
                    continue;
                }
                after = after < MinDeregisterCriticalServiceAfter ? MinDeregisterCriticalServiceAfter : after;
                if (_time.GetUtcNow() - since > after && _services.TryRemove(new KeyValuePair<string, Registration>(registration.Id, registration)))
                {
                    registration.Stop();
                    Changed();
                }
            }
        }
    }

    private Fault? TakeFault(PathString path)
    {
        foreach (var fault in _faults)
        {
            if (path.StartsWithSegments(fault.PathPrefix, StringComparison.Ordinal) && fault.Take())
            {
                return fault;
            }
        }
        return null;
    }

    /// <summary>Runs a check once: its status, and its output as Consul reports it.</summary>
    private static async Task<(string Status, string Output)> ProbeAsync(JsonObject check, HttpClient http, TimeSpan timeout)
    {
        try
        {
            if ((string?)check["HTTP"] is { Length: > 0 } url)
            {
                using var response = await http.GetAsync(url);
                var output = $"HTTP GET {url}: {(int)response.StatusCode}";
                return (response.IsSuccessStatusCode ? "passing" : response.StatusCode == HttpStatusCode.TooManyRequests ? "warning" : "critical", output);
            }
            if ((string?)check["GRPC"] is { Length: > 0 } target)
            {
                using var channel = GrpcChannel.ForAddress($"http://{target}");
                var answer = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + timeout);
                return (answer.Status == HealthCheckResponse.Types.ServingStatus.Serving ? "passing" : "critical", $"gRPC {target}: {answer.Status}");
            }
        }
        catch (Exception e)
        {
            return ("critical", e.Message);
        }
        return ("critical", "no HTTP or GRPC target");
    }

    private void Changed()
    {
        lock (_gate)
        {
            _index++;
            _changed.TrySetResult();
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Go's duration syntax as Consul reads it ("10s", "250ms", "1m30s").</summary>
    private static TimeSpan? Duration(string? text)
    {
        if (string.IsNullOrEmpty(text) || !GoDuration().IsMatch(text))
        {
            return null;
        }
        var total = TimeSpan.Zero;
        foreach (Match part in GoDurationPart().Matches(text))
        {
            var n = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                _ => TimeSpan.FromHours(n),
            };
        }
        return total;
    }

    [GeneratedRegex(@"^(\d+(\.\d+)?(ms|s|m|h))+$")]
    private static partial Regex GoDuration();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|s|m|h)")]
    private static partial Regex GoDurationPart();

    /// <summary>The agent goes away (its port closes).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        await _app.DisposeAsync();
    }

    private sealed class Fault(string pathPrefix, int status, string body)
    {
        private int _taken;

        public string PathPrefix { get; } = pathPrefix;
        public int Status { get; } = status;
        public string Body { get; } = body;
        public TaskCompletionSource Served { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Take() => Interlocked.Exchange(ref _taken, 1) == 0;
    }

    private sealed class Registration(JsonObject body, string id, string name, string address, int port, JsonObject? check, DateTimeOffset registeredAt)
    {
        public JsonObject Body { get; } = body;
        public string Id { get; } = id;
        public string Name { get; } = name;
        public string Address { get; } = address;
        public int Port { get; } = port;
        public JsonObject? Check { get; } = check;
        public string Status { get; set; } = check is null ? "passing" : "critical";
        public string Output { get; set; } = "";
        /// <summary>When its check turned critical; checks start critical, so at first the registration's time.</summary>
        public DateTimeOffset? CriticalSince { get; set; } = check is null ? null : registeredAt;
        public bool Stopped { get; private set; }

        public void Stop() => Stopped = true;
    }
}

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

namespace Chat.Tests.Infrastructure;

/// <summary>
/// A stand-in for a Consul agent, and only because no Consul server can be installed on the
/// machines that run these tests (the compose `test` profile runs against a real one). It
/// implements, as Consul's HTTP API documentation describes them, the endpoints the system uses:
/// agent service register / deregister / read, and the health of a service with <c>passing</c>
/// and blocking queries (<c>index</c>, <c>wait</c>, <c>X-Consul-Index</c>). It runs the checks it
/// is given (HTTP GET, gRPC health) on their interval, starts them critical as Consul does, and
/// removes services critical for longer than DeregisterCriticalServiceAfter. An ACL token can be
/// required. Stopping it and starting a new one on the same port is an agent restart: all
/// registrations are gone and the index starts over.
/// </summary>
public sealed partial class TestConsulServer : IAsyncDisposable
{
    private const string NodeName = "test-agent";
    private static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(10);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Registration> _services = new();
    private readonly string? _requiredToken;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong _index = 1;

    private TestConsulServer(WebApplication app, Uri address, string? requiredToken)
    {
        _app = app;
        Address = address;
        _requiredToken = requiredToken;
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

    public static async Task<TestConsulServer> StartAsync(int? port = null, string? requiredToken = null)
    {
        var address = new Uri($"http://127.0.0.1:{port ?? FreePort.Next()}");
        var builder = WebApplication.CreateSlimBuilder();
        // Its own endpoint settings: the services' appsettings.json (HTTP/2 only) sit beside the tests.
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, address.Port, o => o.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new TestConsulServer(app, address, requiredToken);
        server.MapApi();
        await app.StartAsync();
        return server;
    }

    private void MapApi()
    {
        _app.Use(async (context, next) =>
        {
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
            if (!_services.TryRemove(id, out _))
            {
                return Results.Text($"Unknown service ID \"{id}\"", statusCode: StatusCodes.Status404NotFound);
            }
            Changed();
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
            (string?)body["Address"] ?? "", (int?)body["Port"] ?? 0, body["Check"] as JsonObject);
        if (_services.TryGetValue(registration.Id, out var old))
        {
            old.Stop();
        }
        _services[registration.Id] = registration;
        Changed();
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
            Task changed;
            lock (_gate)
            {
                changed = _index > index ? Task.CompletedTask : _changed.Task;
            }
            await Task.WhenAny(changed, Task.Delay(wait, context.RequestAborted));
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
        lock (_gate)
        {
            context.Response.Headers["X-Consul-Index"] = _index.ToString(CultureInfo.InvariantCulture);
        }
        return Results.Json(entries);
    }

    private async Task RunCheckAsync(Registration registration)
    {
        var check = registration.Check!;
        var interval = Duration((string?)check["Interval"]) ?? TimeSpan.FromSeconds(10);
        var timeout = Duration((string?)check["Timeout"]) ?? TimeSpan.FromSeconds(10);
        var deregisterAfter = Duration((string?)check["DeregisterCriticalServiceAfter"]);
        var criticalSince = DateTime.UtcNow; // checks start critical
        using var http = new HttpClient { Timeout = timeout };
        while (!_stop.IsCancellationRequested && !registration.Stopped && _services.TryGetValue(registration.Id, out var current) && ReferenceEquals(current, registration))
        {
            var (status, output) = await ProbeAsync(check, http, timeout);
            registration.Output = output;
            if (status != registration.Status)
            {
                registration.Status = status;
                Changed();
            }
            criticalSince = status == "critical" ? criticalSince : DateTime.UtcNow;
            if (status == "critical" && deregisterAfter is { } after && DateTime.UtcNow - criticalSince > after)
            {
                _services.TryRemove(new KeyValuePair<string, Registration>(registration.Id, registration));
                Changed();
                return;
            }
            try
            {
                await Task.Delay(interval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
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

    private sealed class Registration(JsonObject body, string id, string name, string address, int port, JsonObject? check)
    {
        public JsonObject Body { get; } = body;
        public string Id { get; } = id;
        public string Name { get; } = name;
        public string Address { get; } = address;
        public int Port { get; } = port;
        public JsonObject? Check { get; } = check;
        public string Status { get; set; } = check is null ? "passing" : "critical";
        public string Output { get; set; } = "";
        public bool Stopped { get; private set; }

        public void Stop() => Stopped = true;
    }
}

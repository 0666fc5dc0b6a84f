using System.Net;
using System.Text;
using Chat.IntegrationTests.Infrastructure;
using Chat.IntegrationTests.Telemetry.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Chat.IntegrationTests.Telemetry;

/// <summary>
/// A real OTLP/HTTP trace receiver in the test process: Kestrel on a loopback port, taking the
/// protobuf bodies the .NET OTLP exporter POSTs to <c>/v1/traces</c> (it sends protobuf only, over
/// gRPC or HTTP; HTTP needs no gRPC service in the test). Services point at it with the standard
/// <see cref="ExporterSettings"/>, and a test waits on the spans arriving, never on a clock.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<ReceivedSpan> _spans = [];
    private readonly List<byte[]> _bodies = [];
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OtlpReceiver(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>
    /// What makes a service export its spans here at once: the endpoint, HTTP with protobuf (the
    /// exporter appends /v1/traces), and a batch sent every 100 ms instead of every 5 s.
    /// </summary>
    public IReadOnlyDictionary<string, string?> ExporterSettings => new Dictionary<string, string?>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Address.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
    };

    public static OtlpReceiver Start()
    {
        var port = FreePort.Next();
        var address = new Uri($"http://127.0.0.1:{port}");
        var builder = WebApplication.CreateSlimBuilder();
        // Explicitly: the test folder holds the gRPC services' appsettings.json (HTTP/2 only).
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http1AndHttp2));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, address);
        app.MapPost("/v1/traces", (RequestDelegate)receiver.ReceiveAsync);
        app.Start();
        return receiver;
    }

    /// <summary>Every span received so far.</summary>
    public IReadOnlyList<ReceivedSpan> Spans
    {
        get
        {
            lock (_gate)
            {
                return [.. _spans];
            }
        }
    }

    /// <summary>True when some received body contains <paramref name="text"/> (protobuf keeps strings as UTF-8 bytes).</summary>
    public bool AnyExportContains(string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        lock (_gate)
        {
            return _bodies.Any(b => b.AsSpan().IndexOf(needle) >= 0);
        }
    }

    /// <summary>Waits until the spans received satisfy <paramref name="condition"/>, checked on every export.</summary>
    public async Task<IReadOnlyList<ReceivedSpan>> WaitForAsync(Func<IReadOnlyList<ReceivedSpan>, bool> condition, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        while (true)
        {
            Task next;
            lock (_gate)
            {
                next = _arrived.Task;
            }
            var spans = Spans;
            if (condition(spans))
            {
                return spans;
            }
            try
            {
                await next.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the spans received within {within} do not show it; received:\n{string.Join("\n", spans)}");
            }
        }
    }

    private async Task ReceiveAsync(HttpContext http)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body);
        var bytes = body.ToArray();
        var export = ExportTraceServiceRequest.Parser.ParseFrom(bytes);
        var received = new List<ReceivedSpan>();
        foreach (var resource in export.ResourceSpans)
        {
            var service = Attribute(resource.Resource?.Attributes, "service.name") ?? "";
            var instance = Attribute(resource.Resource?.Attributes, "service.instance.id") ?? "";
            foreach (var scope in resource.ScopeSpans)
            {
                received.AddRange(scope.Spans.Select(s => new ReceivedSpan(
                    service, instance, scope.Scope?.Name ?? "", s.Name, s.Kind,
                    Convert.ToHexStringLower(s.TraceId.Span), Convert.ToHexStringLower(s.SpanId.Span), Convert.ToHexStringLower(s.ParentSpanId.Span))));
            }
        }
        TaskCompletionSource arrived;
        lock (_gate)
        {
            _bodies.Add(bytes);
            _spans.AddRange(received);
            arrived = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        arrived.SetResult();
        // An empty ExportTraceServiceResponse: everything accepted.
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/x-protobuf";
    }

    private static string? Attribute(IEnumerable<KeyValue>? attributes, string key) =>
        attributes?.FirstOrDefault(a => a.Key == key)?.Value?.StringValue;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One span as the receiver got it; ids in lower-case hex, the parent "" for a root.</summary>
public sealed record ReceivedSpan(string Service, string Instance, string Scope, string Name, SpanKind Kind, string TraceId, string SpanId, string ParentSpanId);

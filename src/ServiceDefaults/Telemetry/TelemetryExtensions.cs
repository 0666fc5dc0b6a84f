using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Chat.ServiceDefaults.Telemetry;

/// <summary>
/// Metrics and traces, set up once for every service. Metrics are pulled: each service serves
/// <c>/metrics</c> (Prometheus text) on every endpoint it listens on; the gateway never routes it.
/// Traces are pushed over OTLP, and only when an endpoint is configured
/// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>, with the SDK's
/// other standard variables: protocol, batch delay, sampler): spans nobody receives would be
/// paid for on every message and thrown away.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary><c>Telemetry:Enabled</c> (default true). False, or OTel's standard <c>OTEL_SDK_DISABLED=true</c>, turns all of it off.</summary>
    public const string EnabledKey = "Telemetry:Enabled";

    public const string MetricsPath = "/metrics";

    /// <summary>Every meter and activity source of ours is named <c>Chat.SERVICE</c> (its assembly's name).</summary>
    private const string OurNames = "Chat.*";

    /// <summary>
    /// How long a scrape's answer is reused (the exporter's default is 300 ms). None: a scrape every
    /// few seconds costs nothing worth saving, and an operator who just did something sees it at once.
    /// </summary>
    private const int ScrapeCacheMilliseconds = 0;

    /// <param name="serviceName">The service's name in every metric's target info and every span
    /// (as it registers in Consul: <c>edge</c>, <c>chat-service</c>, <c>user-service</c>).</param>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        if (!IsEnabled(builder.Configuration))
        {
            return builder;
        }
        builder.Services.AddSingleton<TelemetryMarker>();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter(OurNames)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Npgsql")
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = ScrapeCacheMilliseconds));
        if (TracesHaveAReceiver(builder.Configuration))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(OurNames)
                .AddAspNetCoreInstrumentation(o => o.Filter = IsTraced)
                // The gRPC span replaces the HTTP/2 request's own: one client span per call.
                .AddGrpcClientInstrumentation(o => o.SuppressDownstreamInstrumentation = true)
                .AddHttpClientInstrumentation()
                .AddSource("Npgsql")
                .AddOtlpExporter());
        }
        return builder;
    }

    /// <summary><c>/metrics</c>, when telemetry is on (a 404 otherwise, like any unknown path).</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        if (app.Services.GetService<TelemetryMarker>() is not null)
        {
            app.MapPrometheusScrapingEndpoint(MetricsPath);
        }
        return app;
    }

    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetValue(EnabledKey, defaultValue: true)
        && !string.Equals(configuration["OTEL_SDK_DISABLED"], "true", StringComparison.OrdinalIgnoreCase);

    private static bool TracesHaveAReceiver(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
        || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);

    /// <summary>
    /// Probes and scrapes are not worth a trace each. Nor is <c>/ws</c>: its request lasts as long
    /// as the connection, and every message on it has a trace of its own.
    /// </summary>
    private static bool IsTraced(Microsoft.AspNetCore.Http.HttpContext http) =>
        http.Request.Path.Value is not ("/healthz" or "/readyz" or MetricsPath or "/ws");

    /// <summary>Registered when telemetry is on, so that mapping /metrics knows.</summary>
    private sealed class TelemetryMarker;
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Chat.ServiceDefaults.Grpc;
using Chat.ServiceDefaults.Telemetry;

namespace Chat.ServiceDefaults;

/// <summary>What every service of the system sets up the same way.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Health checks tagged with this take part in readiness, not in liveness.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// One JSON object per log line (structured, greppable), and the health check registry.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = false;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.Services.AddHealthChecks();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        return builder;
    }

    /// <summary>
    /// How long a stop may take before Kestrel aborts what is still open. Below Docker's 10 s
    /// grace before SIGKILL (`docker compose stop`), so that the stopping hooks — Consul
    /// deregistration, WebSockets closed with 1001 — always finish; .NET's default is 30 s.
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(8);

    /// <summary>
    /// gRPC with health (grpc.health.v1, reporting the readiness checks), server reflection, text
    /// no service can keep answered as InvalidArgument (<see cref="StorableTextInterceptor"/>) and
    /// dependency outages as Unavailable (<see cref="DependencyOutageInterceptor"/>), so
    /// that <c>grpcurl -plaintext HOST:PORT list</c> works.
    /// </summary>
    public static IHostApplicationBuilder AddGrpcServiceDefaults(this IHostApplicationBuilder builder, Action<DependencyOutageOptions>? outages = null)
    {
        var outageOptions = new DependencyOutageOptions();
        outages?.Invoke(outageOptions);
        builder.Services.AddSingleton(outageOptions);
        builder.Services.AddGrpc(o =>
        {
            // Bad text is refused before the handler, so it can never reach a store and be taken
            // for an outage by the interceptor after it.
            o.Interceptors.Add<StorableTextInterceptor>();
            o.Interceptors.Add<DependencyOutageInterceptor>();
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks(o => o.Services.Map("", r => r.Tags.Contains(ReadyTag)));
        return builder;
    }

    /// <summary>
    /// <c>/healthz</c> answers while the process runs; <c>/readyz</c> while its dependencies answer;
    /// <c>/metrics</c> when telemetry is on (<see cref="TelemetryExtensions.AddTelemetry"/>).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(ReadyTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapMetrics();
        return app;
    }

    /// <summary>Health and reflection services for a gRPC service.</summary>
    public static WebApplication MapGrpcDefaultEndpoints(this WebApplication app)
    {
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Chat.ServiceDefaults.Discovery;

/// <summary>How Consul checks an instance: gRPC health (gRPC services) or an HTTP GET (the Edge).</summary>
public enum ConsulCheckKind
{
    Grpc,
    Http,
}

/// <summary>
/// Keeps this instance registered in Consul for as long as it runs: registers once Kestrel
/// listens (retrying while Consul is not up yet), re-registers when the agent forgot it (an agent
/// restart loses its registrations), and deregisters as soon as the application starts stopping —
/// before Kestrel drains its connections, which can take the whole shutdown timeout. No failure
/// ends the loop: it logs what happened and tries again.
/// </summary>
public sealed partial class ConsulRegistration(
    ConsulClient consul,
    IOptions<ConsulOptions> options,
    ConsulCheckKind checkKind,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<ConsulRegistration> logger) : BackgroundService
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);
    // Within HostOptions.ShutdownTimeout (8 s on the Edge), itself within Docker's 10 s grace.
    private static readonly TimeSpan DeregisterTimeout = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // ApplicationStopping comes first on SIGTERM and on StopAsync alike; the hosted services'
        // own stop comes only after Kestrel has drained, too late for a replica with WebSockets.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        if (!await WaitForStartAsync(stopping.Token))
        {
            return;
        }
        var registration = Describe();
        await KeepRegisteredAsync(registration, stopping.Token);
        await DeregisterAsync(registration);
    }

    private async Task KeepRegisteredAsync(ServiceRegistration registration, CancellationToken stopping)
    {
        var backoff = MinBackoff;
        var registered = false;
        while (!stopping.IsCancellationRequested)
        {
            TimeSpan rest;
            try
            {
                if (!registered || await consul.GetServiceAsync(registration.Id, stopping) is null)
                {
                    await consul.RegisterAsync(registration, stopping);
                    LogRegistered(logger, registration.Name, registration.Id, registration.Address, registration.Port, registered);
                    registered = true;
                }
                backoff = MinBackoff;
                rest = options.Value.AntiEntropyInterval;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                rest = LogFailure(e, backoff);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
            await Task.Delay(rest, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Logs a failed call as what it is; returns how long to rest before the next try.</summary>
    private TimeSpan LogFailure(Exception e, TimeSpan backoff)
    {
        switch (ConsulFailure.Classify(e))
        {
            case ConsulFailureKind.Refused:
                // Asking again soon changes nothing; asking again at all lets a fixed policy take effect.
                LogRefused(logger, (int)((ConsulException)e).Status, e.Message, MaxBackoff.TotalMilliseconds);
                return MaxBackoff;
            case ConsulFailureKind.Unreachable:
                LogUnreachable(logger, e.Message, backoff.TotalMilliseconds);
                return backoff;
            default:
                LogUnexpected(logger, e, backoff.TotalMilliseconds);
                return backoff;
        }
    }

    private async Task DeregisterAsync(ServiceRegistration registration)
    {
        try
        {
            using var timeout = new CancellationTokenSource(DeregisterTimeout);
            await consul.DeregisterAsync(registration.Id, timeout.Token);
            LogDeregistered(logger, registration.Id);
        }
        catch (Exception e)
        {
            // Consul removes it anyway once its check has been critical for DeregisterCriticalServiceAfter.
            LogDeregisterFailed(logger, registration.Id, e.Message);
        }
    }

    private async Task<bool> WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled());
        try
        {
            await started.Task;
            return true;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    private ServiceRegistration Describe()
    {
        var o = options.Value;
        var name = o.ServiceName ?? throw new InvalidOperationException("Consul:ServiceName is not set.");
        var port = o.ServicePort ?? BoundPort();
        var target = $"{o.ServiceAddress}:{port}";
        var check = new HealthCheckDefinition
        {
            Grpc = checkKind == ConsulCheckKind.Grpc ? target : null,
            GrpcUseTls = checkKind == ConsulCheckKind.Grpc ? false : null,
            Http = checkKind == ConsulCheckKind.Http ? $"http://{target}/readyz" : null,
            Interval = ConsulDuration.Format(o.CheckInterval),
            Timeout = ConsulDuration.Format(o.CheckTimeout),
            DeregisterCriticalServiceAfter = ConsulDuration.Format(o.DeregisterCriticalServiceAfter),
        };
        return new ServiceRegistration(o.ServiceId ?? $"{name}-{o.ServiceAddress}-{port}", name, o.ServiceAddress, port, check);
    }

    private int BoundPort()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reports no address; set Consul:ServicePort.");
        return new Uri(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal)).Port;
    }

    [LoggerMessage(EventId = 950, Level = LogLevel.Information, Message = "Registered {Service} as {ServiceId} at {Address}:{Port} in Consul (again: {Again})")]
    private static partial void LogRegistered(ILogger logger, string service, string serviceId, string address, int port, bool again);

    [LoggerMessage(EventId = 951, Level = LogLevel.Warning, Message = "Consul unreachable ({Reason}); retrying in {DelayMs} ms")]
    private static partial void LogUnreachable(ILogger logger, string reason, double delayMs);

    [LoggerMessage(EventId = 954, Level = LogLevel.Error, Message = "Consul refused the registration ({Status}: {Reason}); this needs the configuration or the ACL token fixed; asking again in {DelayMs} ms")]
    private static partial void LogRefused(ILogger logger, int status, string reason, double delayMs);

    [LoggerMessage(EventId = 955, Level = LogLevel.Error, Message = "Unexpected failure keeping the Consul registration; retrying in {DelayMs} ms")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, double delayMs);

    [LoggerMessage(EventId = 952, Level = LogLevel.Information, Message = "Deregistered {ServiceId} from Consul")]
    private static partial void LogDeregistered(ILogger logger, string serviceId);

    [LoggerMessage(EventId = 953, Level = LogLevel.Warning, Message = "Could not deregister {ServiceId} from Consul: {Reason}")]
    private static partial void LogDeregisterFailed(ILogger logger, string serviceId, string reason);
}

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
/// restart loses its registrations), and deregisters on a graceful stop.
/// </summary>
public sealed partial class ConsulRegistration(
    ConsulClient consul,
    IOptions<ConsulOptions> options,
    ConsulCheckKind checkKind,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<ConsulRegistration> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);
    private ServiceRegistration? _registration;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await WaitForStartAsync(stoppingToken))
        {
            return;
        }
        _registration = Describe();
        var backoff = TimeSpan.FromMilliseconds(500);
        var registered = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!registered || await consul.GetServiceAsync(_registration.Id, stoppingToken) is null)
                {
                    await consul.RegisterAsync(_registration, stoppingToken);
                    LogRegistered(logger, _registration.Name, _registration.Id, _registration.Address, _registration.Port, registered);
                    registered = true;
                }
                backoff = TimeSpan.FromMilliseconds(500);
                await Task.Delay(options.Value.AntiEntropyInterval, stoppingToken);
            }
            catch (Exception e) when (e is HttpRequestException or ConsulException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogUnreachable(logger, e.Message, backoff.TotalMilliseconds);
                await Task.Delay(backoff, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_registration is null)
        {
            return;
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await consul.DeregisterAsync(_registration.Id, timeout.Token);
            LogDeregistered(logger, _registration.Id);
        }
        catch (Exception e) when (e is HttpRequestException or ConsulException or OperationCanceledException)
        {
            // Consul removes it anyway once its check has been critical for DeregisterCriticalServiceAfter.
            LogDeregisterFailed(logger, _registration.Id, e.Message);
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

    [LoggerMessage(EventId = 952, Level = LogLevel.Information, Message = "Deregistered {ServiceId} from Consul")]
    private static partial void LogDeregistered(ILogger logger, string serviceId);

    [LoggerMessage(EventId = 953, Level = LogLevel.Warning, Message = "Could not deregister {ServiceId} from Consul: {Reason}")]
    private static partial void LogDeregisterFailed(ILogger logger, string serviceId, string reason);
}

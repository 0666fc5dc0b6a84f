using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Chat.ServiceDefaults.Discovery;

/// <summary>
/// Resolves <c>consul://SERVICE</c> for gRPC channels: the healthy instances of SERVICE, followed
/// live with blocking queries. New instances join the balancer, failing ones leave it, without a
/// restart. When Consul cannot be reached the last known instances are kept: a Consul outage must
/// not take the calls down with it.
/// </summary>
public sealed partial class ConsulResolver(string service, ConsulClient consul, IOptions<ConsulOptions> options, DiscoveryMetrics metrics, ILogger logger) : Resolver
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stop = new();
    private Action<ResolverResult>? _listener;
    private Task? _loop;
    private bool _hasResult;

    public override void Start(Action<ResolverResult> listener)
    {
        _listener = listener;
        _loop = Task.Run(() => WatchAsync(_stop.Token));
    }

    private async Task WatchAsync(CancellationToken stop)
    {
        ulong index = 0;
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!stop.IsCancellationRequested)
        {
            var started = DateTime.UtcNow;
            try
            {
                var (instances, answered) = await consul.HealthyInstancesAsync(service, index, options.Value.BlockingWait, stop);
                if (BlockingIndex.Changed(index, answered) || !_hasResult)
                {
                    Publish(instances);
                }
                index = BlockingIndex.Next(index, answered);
                backoff = TimeSpan.FromMilliseconds(200);
                // The documented rate limit: an answer that came back at once must not become a busy loop.
                var elapsed = DateTime.UtcNow - started;
                if (elapsed < MinInterval)
                {
                    await Task.Delay(MinInterval - elapsed, stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever went wrong, the channel keeps its last instances and the loop goes on.
                var rest = OnFailure(e, backoff);
                index = 0;
                await Task.Delay(rest, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>Logs a failed query as what it is, fails the channel if it has nothing yet; returns how long to rest.</summary>
    private TimeSpan OnFailure(Exception e, TimeSpan backoff)
    {
        var kind = ConsulFailure.Classify(e);
        switch (kind)
        {
            case ConsulFailureKind.Refused:
                LogRefused(logger, service, (int)((ConsulException)e).Status, e.Message);
                break;
            case ConsulFailureKind.Unreachable:
                LogUnreachable(logger, service, e.Message);
                break;
            default:
                LogUnexpected(logger, service, e);
                break;
        }
        if (!_hasResult)
        {
            var status = kind == ConsulFailureKind.Refused
                ? new global::Grpc.Core.Status(global::Grpc.Core.StatusCode.Unavailable, $"Consul refuses to say where {service} is: {e.Message}")
                : new global::Grpc.Core.Status(global::Grpc.Core.StatusCode.Unavailable, $"Consul cannot be reached to find {service}: {e.Message}");
            _listener?.Invoke(ResolverResult.ForFailure(status));
        }
        // A refusal stands until an operator acts: no point asking again soon.
        return kind == ConsulFailureKind.Refused ? MaxBackoff : backoff;
    }

    private void Publish(IReadOnlyList<ServiceInstance> instances)
    {
        _hasResult = true;
        LogInstances(logger, service, instances.Count);
        metrics.Resolved(service, instances.Count);
        _listener?.Invoke(ResolverResult.ForResult([.. instances.Select(i => new BalancerAddress(i.Host, i.Port))]));
    }

    public override void Refresh()
    {
        // The blocking query already follows every change; nothing to do on demand.
    }

    protected override void Dispose(bool disposing)
    {
        _stop.Cancel();
        base.Dispose(disposing);
    }

    [LoggerMessage(EventId = 960, Level = LogLevel.Information, Message = "Consul: {Service} has {Count} healthy instances")]
    private static partial void LogInstances(ILogger logger, string service, int count);

    [LoggerMessage(EventId = 962, Level = LogLevel.Error, Message = "Consul refused to answer for {Service} ({Status}: {Reason}); this needs the ACL token fixed; keeping the last known instances")]
    private static partial void LogRefused(ILogger logger, string service, int status, string reason);

    [LoggerMessage(EventId = 963, Level = LogLevel.Error, Message = "Unexpected failure watching {Service} in Consul; keeping the last known instances")]
    private static partial void LogUnexpected(ILogger logger, string service, Exception exception);

    [LoggerMessage(EventId = 961, Level = LogLevel.Warning, Message = "Consul unreachable while watching {Service} ({Reason}); keeping the last known instances")]
    private static partial void LogUnreachable(ILogger logger, string service, string reason);
}

/// <summary>Makes <c>consul://</c> addresses resolvable by every gRPC channel built with the service provider.</summary>
public sealed class ConsulResolverFactory(ConsulClient consul, IOptions<ConsulOptions> options, DiscoveryMetrics metrics, ILoggerFactory loggers) : ResolverFactory
{
    public override string Name => "consul";

    public override Resolver Create(ResolverOptions resolverOptions) =>
        new ConsulResolver(resolverOptions.Address.Host, consul, options, metrics, loggers.CreateLogger<ConsulResolver>());
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Chat.ServiceDefaults.Discovery;

/// <summary>
/// <c>chat.discovery.instances</c> (meter <c>Chat.Discovery</c>): how many healthy instances of each
/// service the Consul resolver last handed to the balancer. Zero for a service means its calls
/// answer Unavailable; the label is a service name, of which there are two or three.
/// </summary>
public sealed class DiscoveryMetrics
{
    public const string MeterName = "Chat.Discovery";

    private readonly ConcurrentDictionary<string, int> _instances = new(StringComparer.Ordinal);

    public DiscoveryMetrics(IMeterFactory meters)
    {
        meters.Create(MeterName).CreateObservableGauge("chat.discovery.instances", Observe, "{instance}",
            "Healthy instances of each service, as the Consul resolver last saw them.");
    }

    public void Resolved(string service, int instances) => _instances[service] = instances;

    private IEnumerable<Measurement<int>> Observe() =>
        _instances.Select(s => new Measurement<int>(s.Value, new KeyValuePair<string, object?>("chat.service.name", s.Key)));
}

using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;

namespace Chat.ServiceDefaults.Discovery;

/// <summary>
/// The few calls of Consul's HTTP API we need (agent service registration, health of a service
/// with blocking queries), typed, on HttpClient. The NuGet package <c>Consul</c> is not available
/// to us; this follows Consul's HTTP API documentation.
/// </summary>
public sealed class ConsulClient(HttpClient http, IOptions<ConsulOptions> options)
{
    // Agent calls answer at once; a blocking query answers within its wait plus Consul's jitter
    // (wait/16). Past these, the agent is as good as unreachable.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    public const string TokenHeader = "X-Consul-Token";
    public const string IndexHeader = "X-Consul-Index";

    public async Task RegisterAsync(ServiceRegistration registration, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Put, "v1/agent/service/register");
        request.Content = JsonContent.Create(registration, ConsulJson.Default.ServiceRegistration);
        using var timeout = Deadline(CallTimeout, cancellationToken);
        using var response = await http.SendAsync(request, timeout.Token);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>Removes an instance; an instance the agent does not know is gone already.</summary>
    public async Task DeregisterAsync(string serviceId, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Put, $"v1/agent/service/deregister/{Uri.EscapeDataString(serviceId)}");
        using var timeout = Deadline(CallTimeout, cancellationToken);
        using var response = await http.SendAsync(request, timeout.Token);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureSuccessAsync(response, cancellationToken);
        }
    }

    /// <summary>The instance as the local agent knows it, or null when it does not (e.g. the agent restarted).</summary>
    public async Task<AgentService?> GetServiceAsync(string serviceId, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, $"v1/agent/service/{Uri.EscapeDataString(serviceId)}");
        using var timeout = Deadline(CallTimeout, cancellationToken);
        using var response = await http.SendAsync(request, timeout.Token);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync(ConsulJson.Default.AgentService, cancellationToken);
    }

    /// <summary>
    /// The instances of <paramref name="service"/> whose checks all pass. With an
    /// <paramref name="index"/> from an earlier answer this is a blocking query: the agent answers
    /// when the result changes or after <paramref name="wait"/>. Returns the answer's index.
    /// </summary>
    public async Task<(IReadOnlyList<ServiceInstance> Instances, ulong Index)> HealthyInstancesAsync(
        string service, ulong index, TimeSpan wait, CancellationToken cancellationToken)
    {
        var query = $"v1/health/service/{Uri.EscapeDataString(service)}?passing=true";
        if (index > 0)
        {
            query += $"&index={index.ToString(CultureInfo.InvariantCulture)}&wait={ConsulDuration.Format(wait)}";
        }
        using var request = Request(HttpMethod.Get, query);
        using var timeout = Deadline(index > 0 ? wait + (wait / 16) + CallTimeout : CallTimeout, cancellationToken);
        using var response = await http.SendAsync(request, timeout.Token);
        await EnsureSuccessAsync(response, cancellationToken);
        var entries = await response.Content.ReadFromJsonAsync(ConsulJson.Default.ListServiceEntry, cancellationToken) ?? [];
        var newIndex = response.Headers.TryGetValues(IndexHeader, out var values)
            && ulong.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        return ([.. entries.Select(ServiceInstance.From)], newIndex);
    }

    private static CancellationTokenSource Deadline(TimeSpan after, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(after);
        return source;
    }

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var baseAddress = options.Value.Address ?? throw new InvalidOperationException("Consul:Address is not configured.");
        var request = new HttpRequestMessage(method, new Uri(baseAddress, path));
        if (!string.IsNullOrEmpty(options.Value.Token))
        {
            request.Headers.Add(TokenHeader, options.Value.Token);
        }
        return request;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new ConsulException($"Consul answered {(int)response.StatusCode}: {body.Trim()}", response.StatusCode);
        }
    }
}

public sealed class ConsulException(string message, HttpStatusCode status) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

using System.ComponentModel.DataAnnotations;

namespace Chat.ServiceDefaults.Discovery;

/// <summary>Where Consul is and how this service appears in it (section <c>Consul</c>).</summary>
public sealed class ConsulOptions
{
    public const string Section = "Consul";

    /// <summary>The local Consul agent, e.g. <c>http://127.0.0.1:8500</c>. Unset: no Consul at all.</summary>
    public Uri? Address { get; set; }

    /// <summary>ACL token sent as <c>X-Consul-Token</c>, when the agent enforces ACLs.</summary>
    public string? Token { get; set; }

    /// <summary>The name others find this service by (each service passes its default).</summary>
    public string? ServiceName { get; set; }

    /// <summary>Where others reach this instance: the container's hostname in compose, 127.0.0.1 locally.</summary>
    public string ServiceAddress { get; set; } = "127.0.0.1";

    /// <summary>The port to register; unset, the port Kestrel bound.</summary>
    public int? ServicePort { get; set; }

    /// <summary>Unique per instance; unset, <c>name-address-port</c>.</summary>
    public string? ServiceId { get; set; }

    /// <summary>How often Consul runs this instance's health check.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>An instance critical this long is removed by Consul (it crashed without deregistering).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan DeregisterCriticalServiceAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the registration checks that the agent still knows this instance.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan AntiEntropyInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest a blocking query waits for a change (Consul caps it at 10 minutes).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan BlockingWait { get; set; } = TimeSpan.FromSeconds(30);
}

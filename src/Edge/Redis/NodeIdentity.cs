using System.Security.Cryptography;

namespace Chat.Edge.Redis;

/// <summary>
/// This replica's name among the replicas sharing one Redis: new on every start, so a restarted
/// replica is never mistaken for its previous life (whose presence entries simply expire).
/// </summary>
public sealed class NodeIdentity
{
    public NodeIdentity()
    {
        var host = Environment.MachineName.ToLowerInvariant();
        Id = $"{host[..Math.Min(host.Length, 24)]}-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
    }

    public NodeIdentity(string id) => Id = id;

    public string Id { get; }
}

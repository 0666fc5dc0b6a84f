using System.Collections.Concurrent;
using Chat.Edge.Realtime.Connections;

namespace Chat.Edge.Presence;

/// <summary>Presence of a single Edge (no Redis): its own connection registry is the whole truth.</summary>
public sealed class InProcessPresence(ConnectionRegistry registry) : IPresence
{
    private readonly ConcurrentDictionary<string, DateTime> _lastSeen = new(StringComparer.Ordinal);

    public Task ConnectedAsync(string user) => Task.CompletedTask;

    public Task DisconnectedAsync(string user)
    {
        _lastSeen[user] = DateTime.UtcNow;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<UserPresence>> GetAsync(IReadOnlyList<string> users) =>
        Task.FromResult<IReadOnlyList<UserPresence>>(
            [.. users.Select(u => new UserPresence(u, registry.IsOnline(u), _lastSeen.TryGetValue(u, out var seen) ? seen : null))]);
}

using System.Collections.Concurrent;

namespace Chat.Edge.Presence;

/// <summary>Presence of a single Edge (no Redis): its own connections are the whole truth.</summary>
public sealed class InProcessPresence(ILocalUsers local) : IPresence
{
    private readonly ConcurrentDictionary<string, DateTime> _lastSeen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _everConnected = new(StringComparer.Ordinal);

    public Task ConnectedAsync(string user)
    {
        _everConnected[user] = 0;
        return Task.CompletedTask;
    }

    public Task DisconnectedAsync(string user)
    {
        _lastSeen[user] = DateTime.UtcNow;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<UserPresence>> GetAsync(IReadOnlyList<string> users) =>
        Task.FromResult<IReadOnlyList<UserPresence>>([.. users.Select(Of)]);

    private UserPresence Of(string user)
    {
        var online = local.IsOnline(user);
        DateTime? lastSeen = _lastSeen.TryGetValue(user, out var seen) ? seen
            // Offline a moment ago: the registry has let go of the last connection, and the
            // disconnect that records the time is a step behind.
            : !online && _everConnected.ContainsKey(user) ? DateTime.UtcNow
            : null;
        return new UserPresence(user, online, lastSeen);
    }
}

using Chat.Edge.Presence;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// One replica's own connections, for presence built in the test process: what presence asks of
/// the connection registry (<see cref="ILocalUsers"/>: is this user still connected here?), kept
/// as a count of open connections per user, opened and closed as the registry does.
/// </summary>
public sealed class LocalConnections : ILocalUsers
{
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Users
    {
        get
        {
            lock (_open)
            {
                return [.. _open.Keys];
            }
        }
    }

    public bool IsOnline(string user)
    {
        lock (_open)
        {
            return _open.ContainsKey(user);
        }
    }

    /// <summary>Registers a new connection of <paramref name="user"/>; <see cref="LocalConnection.First"/> when it is their first here.</summary>
    public LocalConnection Open(string user)
    {
        lock (_open)
        {
            var count = _open.GetValueOrDefault(user) + 1;
            _open[user] = count;
            return new LocalConnection(user, count == 1);
        }
    }

    /// <summary>Lets go of a connection; true when it was its user's last here.</summary>
    public bool Close(LocalConnection connection)
    {
        lock (_open)
        {
            var left = _open[connection.User] - 1;
            if (left > 0)
            {
                _open[connection.User] = left;
                return false;
            }
            _open.Remove(connection.User);
            return true;
        }
    }
}

/// <param name="First">Whether it was its user's first connection on the replica when it opened.</param>
public sealed record LocalConnection(string User, bool First);

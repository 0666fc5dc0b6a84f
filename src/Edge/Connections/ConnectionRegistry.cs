using System.Collections.Concurrent;
using System.Net.WebSockets;
using Chat.Edge.Bus;
using Chat.Edge.Presence;

namespace Chat.Edge.Connections;

/// <summary>
/// Every open connection of this replica, by user. Delivery (the hot path) reads without
/// locking: the dictionary's lookups are lock-free and each user's connections are an immutable
/// array replaced on connect and disconnect. Only connecting and disconnecting take a lock, and
/// only the one user's.
/// </summary>
public sealed class ConnectionRegistry : ILocalDelivery, ILocalUsers
{
    private readonly ConcurrentDictionary<string, UserConnections> _users =
        new(Environment.ProcessorCount * 4, capacity: 1024, StringComparer.Ordinal);

    // Set once by CloseAll: a connection added afterwards (upgraded while the replica stops) is
    // closed as it joins, or it would be left for Kestrel to drop without a close frame.
    private CloseRequest? _closedWith;

    // Kept on add and remove: reading it must not walk every user (it is logged on every connect).
    private int _connectionCount;

    public int UserCount => _users.Count;

    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Adds a connection; true when it is the user's first on this replica.</summary>
    public bool Add(ChatConnection connection)
    {
        while (true)
        {
            var user = _users.GetOrAdd(connection.User, static u => new UserConnections());
            bool first;
            lock (user)
            {
                if (user.Removed)
                {
                    continue; // raced with the removal of the user's last connection; take a fresh entry
                }
                user.Connections = [.. user.Connections, connection];
                first = user.Connections.Length == 1;
            }
            Interlocked.Increment(ref _connectionCount);
            CloseIfClosedAll(connection);
            return first;
        }
    }

    private void CloseIfClosedAll(ChatConnection connection)
    {
        // A full fence between publishing the connection and reading the flag (CloseAll does the
        // converse): either CloseAll's snapshot holds this connection or this read sees the flag.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _closedWith) is { } close)
        {
            connection.RequestClose(close.Status, close.Description);
        }
    }

    /// <summary>Removes a connection; true when it was the user's last on this replica.</summary>
    public bool Remove(ChatConnection connection)
    {
        if (!_users.TryGetValue(connection.User, out var user))
        {
            return false;
        }
        lock (user)
        {
            var remaining = Array.FindAll(user.Connections, c => !ReferenceEquals(c, connection));
            if (remaining.Length == user.Connections.Length)
            {
                return false;
            }
            user.Connections = remaining;
            Interlocked.Decrement(ref _connectionCount);
            if (remaining.Length > 0)
            {
                return false;
            }
            user.Removed = true;
            _users.TryRemove(new KeyValuePair<string, UserConnections>(connection.User, user));
            return true;
        }
    }

    public bool IsOnline(string user) => _users.TryGetValue(user, out var u) && u.Connections.Length > 0;

    /// <summary>The users with a connection on this replica (a moment's snapshot).</summary>
    public IReadOnlyList<string> Users => [.. _users.Keys];

    /// <summary>Every open connection of this replica (a moment's snapshot).</summary>
    public IReadOnlyList<ChatConnection> Connections => [.. _users.Values.SelectMany(u => u.Connections)];

    /// <summary>
    /// Asks every open connection to read the store after what it last wrote, <paramref name="batchSize"/>
    /// at a time with <paramref name="pause"/> between batches, so ChatService sees a ramp rather
    /// than every connection of the replica at once. Returns how many were asked.
    /// </summary>
    public async Task<int> RequestCatchUpAsync(int batchSize, TimeSpan pause, CancellationToken cancellationToken)
    {
        var connections = Connections;
        var batch = Math.Max(1, batchSize);
        for (var i = 0; i < connections.Count; i++)
        {
            connections[i].RequestCatchUp();
            if ((i + 1) % batch == 0)
            {
                await Task.Delay(pause, cancellationToken);
            }
        }
        return connections.Count;
    }

    /// <summary>
    /// Asks every open connection, and every one added from now on, to close with
    /// <paramref name="status"/>; returns how many were open.
    /// </summary>
    public int CloseAll(WebSocketCloseStatus status, string description)
    {
        Interlocked.Exchange(ref _closedWith, new CloseRequest(status, description));
        var connections = Connections;
        foreach (var connection in connections)
        {
            connection.RequestClose(status, description);
        }
        return connections.Count;
    }

    public void Deliver(string user, BusEvent busEvent)
    {
        if (_users.TryGetValue(user, out var connections))
        {
            foreach (var connection in connections.Connections)
            {
                connection.Enqueue(busEvent);
            }
        }
    }

    private sealed record CloseRequest(WebSocketCloseStatus Status, string Description);

    private sealed class UserConnections
    {
        public volatile ChatConnection[] Connections = [];
        public bool Removed;
    }
}

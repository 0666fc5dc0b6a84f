namespace Chat.Edge.Presence;

/// <summary>
/// The users with a connection on this replica (the connection registry): this replica's own part
/// of who is online, which presence reports, refreshes and, on a graceful stop, withdraws.
/// </summary>
public interface ILocalUsers
{
    /// <summary>True while <paramref name="user"/> has an open connection here.</summary>
    bool IsOnline(string user);

    /// <summary>The users with a connection here (a moment's snapshot).</summary>
    IReadOnlyList<string> Users { get; }
}

namespace Chat.Edge.Presence;

/// <summary>
/// Who is online: a user is online while they have a connection on any Edge replica, and their
/// last-seen time is when their last connection closed. Replicas report their users' first
/// connection and last disconnection; reports never throw (presence must not cost a connection).
/// </summary>
public interface IPresence
{
    /// <summary>The user's first connection on this replica opened.</summary>
    Task ConnectedAsync(string user);

    /// <summary>The user's last connection on this replica closed.</summary>
    Task DisconnectedAsync(string user);

    /// <summary>The presence of each user, in the order asked. Throws <see cref="PresenceUnavailableException"/>.</summary>
    Task<IReadOnlyList<UserPresence>> GetAsync(IReadOnlyList<string> users);
}

/// <param name="LastSeen">When the user's last connection closed; null if never (as far as presence remembers).</param>
public sealed record UserPresence(string Username, bool Online, DateTime? LastSeen);

/// <summary>Presence cannot be read right now (Redis is away).</summary>
public sealed class PresenceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

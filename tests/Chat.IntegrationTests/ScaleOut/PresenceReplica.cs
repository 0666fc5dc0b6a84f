using Chat.Edge.Presence;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// One Edge replica's presence and its own connections, opened and closed in the Edge's order
/// (WebSocketEndpoint): the registry first, then presence told of a user's first connection here
/// and of their last one closing.
/// </summary>
public sealed class PresenceReplica(IPresence presence, LocalConnections local, Func<ValueTask>? dispose = null) : IAsyncDisposable
{
    public IPresence Presence { get; } = presence;

    public LocalConnections Local { get; } = local;

    public async Task<LocalConnection> OpenAsync(string user)
    {
        var connection = Local.Open(user);
        if (connection.First)
        {
            await Presence.ConnectedAsync(user);
        }
        return connection;
    }

    public async Task CloseAsync(LocalConnection connection)
    {
        if (Local.Close(connection))
        {
            await Presence.DisconnectedAsync(connection.User);
        }
    }

    /// <summary>The presence of one user as this replica answers it.</summary>
    public async Task<UserPresence> OfAsync(string user) => Assert.Single(await Presence.GetAsync([user]));

    public ValueTask DisposeAsync() => dispose?.Invoke() ?? ValueTask.CompletedTask;
}

namespace Chat.Edge.Realtime.Delivery;

/// <summary>A user's stored incoming messages, for catch-up and gap filling.</summary>
public interface IInbox
{
    Task<InboxPage> SyncAsync(string user, string? after, int limit, CancellationToken stop);
}

/// <summary>Remembers what the user's connections have received.</summary>
public interface IDeliveryMarks
{
    void Advance(string user, string id);

    void Flush(string user);
}

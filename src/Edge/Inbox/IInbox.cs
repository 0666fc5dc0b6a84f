namespace Chat.Edge.Inbox;

/// <summary>A user's stored incoming messages, for catch-up and gap filling.</summary>
public interface IInbox
{
    /// <summary>Messages after <paramref name="after"/>; null: after the user's delivery mark; "": from the first.</summary>
    Task<InboxPage> SyncAsync(string user, string? after, int limit, CancellationToken stop);
}

/// <summary>Remembers what the user's connections have received.</summary>
public interface IDeliveryMarks
{
    void Advance(string user, string id);

    void Flush(string user);
}

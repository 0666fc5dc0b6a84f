using Chat.Edge.Inbox;
using Chat.Edge.Messaging;
using Chat.Edge.Protocol;

namespace Chat.RelayEdge;

/// <summary>Nothing is stored, so there is nothing to catch up on, and no receipts or typing.</summary>
public sealed class RelayInbox : IInbox, IDeliveryMarks, IConversationSignals
{
    public Task<Answer> ReadAsync(string reader, ReadFrame frame, CancellationToken aborted) => NotHere();

    public Task<Answer> TypingAsync(string typist, TypingFrame frame, CancellationToken aborted) => NotHere();

    private static Task<Answer> NotHere() =>
        Task.FromResult(Answer.Error(ErrorCodes.InvalidFrame, "the relay mode relays messages only", clientId: null));

    public Task<InboxPage> SyncAsync(string user, string? after, int limit, CancellationToken stop) =>
        Task.FromResult(new InboxPage(after ?? "", [], HasMore: false));

    public void Advance(string user, string id)
    {
    }

    public void Flush(string user)
    {
    }
}

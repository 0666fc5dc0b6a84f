using Chat.Edge.Bus;
using Chat.Edge.Protocol;

namespace Chat.BusBench;

/// <summary>
/// What the Edge's message path (src/Edge/Messaging/MessageSender.cs) hands the bus once a message
/// is stored, for a 1:1 message and for a group message: the one part of the allocation benchmark
/// that follows the product's bus API, so the same benchmark measures before and after it changes.
/// </summary>
public static class SenderWork
{
    public static Task PublishDirectAsync(IMessageBus bus, string id, string previousId, string from, string to, string text, DateTime sentAt) =>
        bus.PublishAsync(to, BusEvent.ForMessage(id, previousId, ServerFrames.Message(id, from, to, group: null, text, sentAt)), CancellationToken.None);

    public static Task PublishGroupAsync(IMessageBus bus, string id, IDictionary<string, string> members, string from, string group, string text, DateTime sentAt)
    {
        var frame = ServerFrames.Message(id, from, to: null, group, text, sentAt);
        return Task.WhenAll(members.Select(member => bus.PublishAsync(member.Key, BusEvent.ForMessage(id, member.Value, frame), CancellationToken.None)));
    }
}

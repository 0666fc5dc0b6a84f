using Chat.Edge.Realtime.Delivery;
using Chat.Edge.Realtime.Frames;
using Chat.Edge.Realtime.Sending;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Realtime.Connections;

/// <summary>What every connection shares: the replica's services a connection works with.</summary>
public sealed class ConnectionServices(
    IOptions<RealtimeOptions> options,
    ClientFrameParser parser,
    MessageSender sender,
    ConversationSignals signals,
    InboxReader inbox,
    DeliveryMarks deliveryMarks,
    ILoggerFactory loggers)
{
    public RealtimeOptions Options { get; } = options.Value;
    public ClientFrameParser Parser { get; } = parser;
    public MessageSender Sender { get; } = sender;
    public ConversationSignals Signals { get; } = signals;
    public InboxReader Inbox { get; } = inbox;
    public DeliveryMarks DeliveryMarks { get; } = deliveryMarks;
    public ILogger Logger { get; } = loggers.CreateLogger<ChatConnection>();
}

using Chat.Edge.Auth;
using Chat.Edge.Inbox;
using Chat.Edge.Messaging;
using Chat.Edge.Observability;
using Chat.Edge.Protocol;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Connections;

/// <summary>What every connection shares: the replica's services a connection works with.</summary>
public sealed class ConnectionServices(
    IOptions<RealtimeOptions> options,
    ClientFrameParser parser,
    IMessagePath sender,
    IConversationSignals signals,
    IInbox inbox,
    IDeliveryMarks deliveryMarks,
    EdgeMetrics metrics,
    IConnectionAuthenticator authenticator,
    TimeProvider clock,
    TokenDeadlines deadlines,
    ILoggerFactory loggers)
{
    public RealtimeOptions Options { get; } = options.Value;
    public ClientFrameParser Parser { get; } = parser;
    public IMessagePath Sender { get; } = sender;
    public IConversationSignals Signals { get; } = signals;
    public IInbox Inbox { get; } = inbox;
    public IDeliveryMarks DeliveryMarks { get; } = deliveryMarks;
    public EdgeMetrics Metrics { get; } = metrics;
    public IConnectionAuthenticator Authenticator { get; } = authenticator;
    public TimeProvider Clock { get; } = clock;
    public TokenDeadlines Deadlines { get; } = deadlines;
    public ILogger Logger { get; } = loggers.CreateLogger<ChatConnection>();
}

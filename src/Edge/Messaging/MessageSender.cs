using System.Diagnostics;
using System.Runtime.CompilerServices;
using Chat.Contracts.Chat.V1;
using Chat.Edge.Bus;
using Chat.Edge.Observability;
using Chat.Edge.Protocol;
using Grpc.Core;

namespace Chat.Edge.Messaging;

/// <summary>
/// The path of one message: recipient check, durable store through ChatService (with the other
/// sends of the moment: StoreBatcher; tried again with the same idempotency key when the service
/// is unavailable: StoreStream), the <c>sent</c> answer,
/// then live delivery through the bus. Nothing is acknowledged that is not stored.
/// </summary>
public sealed partial class MessageSender(
    ChatService.ChatServiceClient chat,
    StoreBatcher store,
    RecipientDirectory recipients,
    IMessageBus bus,
    EdgeMetrics metrics,
    ILogger<MessageSender> logger) : IMessagePath
{
    // Marks idempotency keys the Edge made up for sends without a clientId, so a retry after a
    // lost answer still stores one message; they are never shown to clients.
    private const string GeneratedKeyPrefix = "~edge:";

    /// <param name="reply">Writes the <c>sent</c> answer to the sending connection: called once the
    /// message is stored and before it is published, so the sender sees <c>sent</c> before its own
    /// copy of a group message.</param>
    public async Task<Answer> SendAsync(string sender, SendFrame frame, Action<byte[]> reply, CancellationToken aborted)
    {
        var startedAt = Stopwatch.GetTimestamp();
        var conversation = frame.Group is null ? EdgeMetrics.Conversation.Direct : EdgeMetrics.Conversation.Group;
        using var activity = EdgeActivities.StartSend(conversation);
        void Acknowledge(byte[] sent)
        {
            reply(sent);
            metrics.MessageSent(conversation);
            metrics.SendAnswered(conversation, "ok", startedAt);
        }
        var answer = frame.Group is { } group
            ? await SendToGroupAsync(sender, group, frame, Acknowledge, aborted)
            : await SendDirectAsync(sender, frame, Acknowledge, aborted);
        if (answer.ErrorCode is { } code)
        {
            metrics.SendAnswered(conversation, code, startedAt);
            activity?.SetStatus(ActivityStatusCode.Error, code);
        }
        return answer;
    }

    // Every direct message passes here, awaited once by SendAsync: its state machine comes from a
    // pool instead of being allocated for each message.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Answer> SendDirectAsync(string sender, SendFrame frame, Action<byte[]> reply, CancellationToken aborted)
    {
        var recipient = frame.To!;
        try
        {
            if (!await recipients.ExistsAsync(recipient, aborted))
            {
                return Answer.Error(ErrorCodes.UnknownRecipient, $"no user is called {recipient}", frame.ClientId);
            }
            var stored = await StoreAsync(new StoreMessageRequest { Sender = sender, Recipient = recipient }, frame, aborted);
            var sentAt = stored.SentAt.ToDateTime();
            reply(ServerFrames.Sent(stored.Id, frame.ClientId, recipient, group: null, sentAt));
            using var publish = EdgeActivities.StartPublish(stored.Id, recipients: 1);
            await PublishAsync(recipient, stored.Duplicate
                ? BusEvent.CatchUp
                : BusEvent.ForMessage(stored.Id, stored.PreviousId, ServerFrames.Message(stored.Id, sender, recipient, group: null, frame.Text, sentAt),
                    EdgeActivities.TraceParentOf(publish)));
            return Answer.Silent;
        }
        catch (RpcException e)
        {
            return ServiceErrorAnswers.For(e, ConversationKind.Direct, frame.ClientId);
        }
    }

    /// <summary>
    /// A group message: ChatService checks membership (in the same transaction that stores it, so a
    /// removed member can no longer send) and copies it into every member's stream; each member's
    /// connections get the one frame rendered here, with their own previous id.
    /// </summary>
    private async Task<Answer> SendToGroupAsync(string sender, string group, SendFrame frame, Action<byte[]> reply, CancellationToken aborted)
    {
        try
        {
            var stored = await StoreAsync(new StoreMessageRequest { Sender = sender, GroupId = group }, frame, aborted);
            var sentAt = stored.SentAt.ToDateTime();
            reply(ServerFrames.Sent(stored.Id, frame.ClientId, to: null, group, sentAt));
            if (stored.Duplicate)
            {
                await PublishCatchUpAsync(await MembersAsync(sender, group, aborted));
                return Answer.Silent;
            }
            var members = stored.MemberPreviousIds;
            using var publish = EdgeActivities.StartPublish(stored.Id, members.Count);
            var traceParent = EdgeActivities.TraceParentOf(publish);
            var message = ServerFrames.Message(stored.Id, sender, to: null, group, frame.Text, sentAt);
            // All members at once (Redis pipelines the publishes): a member's order is kept because
            // this sender's next message is published only after this one is out to everybody.
            await Task.WhenAll(members.Select(member => PublishAsync(member.Key,
                BusEvent.ForMessage(stored.Id, member.Value, message, traceParent))));
            return Answer.Silent;
        }
        catch (RpcException e)
        {
            // Unknown or not yours: the same answer, so a non-member learns nothing about the group.
            return ServiceErrorAnswers.For(e, ConversationKind.Group, frame.ClientId);
        }
    }

    /// <summary>A retry's duplicate comes back without the members' previous ids: the group's members.</summary>
    private async Task<IReadOnlyList<string>> MembersAsync(string sender, string group, CancellationToken aborted)
    {
        var found = await chat.GetGroupAsync(new GetGroupRequest { User = sender, GroupId = group }, cancellationToken: aborted);
        return found.Members;
    }

    /// <summary>
    /// A retry's duplicate: the first attempt was stored, perhaps with its answer lost and never
    /// published, and the text it stored may not be this attempt's. So no frame from this
    /// attempt: the recipients' connections read the store after what they last wrote, which
    /// delivers it if they lack it (with the stored text) and nothing twice.
    /// </summary>
    private Task PublishCatchUpAsync(IReadOnlyList<string> recipients) =>
        Task.WhenAll(recipients.Select(recipient => PublishAsync(recipient, BusEvent.CatchUp)));

    /// <summary>
    /// Stores the message once, however often it is sent: every attempt (the store stream sends
    /// again to an unavailable ChatService) carries the same idempotency key.
    /// </summary>
    private Task<StoreMessageResponse> StoreAsync(StoreMessageRequest request, SendFrame frame, CancellationToken aborted)
    {
        request.Text = frame.Text;
        request.ClientId = frame.ClientId ?? GeneratedKeyPrefix + Guid.NewGuid().ToString("N");
        return store.StoreAsync(request, aborted);
    }

    private async Task PublishAsync(string recipient, BusEvent busEvent)
    {
        try
        {
            await bus.PublishAsync(recipient, busEvent, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Stored is what counts: the recipient's connections find the message in the store
            // when the next one shows them a gap, or when they reconnect.
            LogPublishFailed(logger, busEvent.Kind, busEvent.Id, e.Message);
        }
    }

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "Publishing {Kind} {Id} failed ({Reason}); recipients will get it from the store")]
    private static partial void LogPublishFailed(ILogger logger, BusEventKind kind, string id, string reason);
}

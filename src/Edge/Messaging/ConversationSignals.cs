using Chat.Contracts.Chat.V1;
using Chat.Edge.Bus;
using Chat.Edge.Protocol;
using Grpc.Core;
using Microsoft.Extensions.Caching.Memory;

namespace Chat.Edge.Messaging;

/// <summary>
/// Read receipts and typing: what people see besides messages. Receipts move a stored read mark
/// (forward only) and are forwarded to the other side and the reader's own connections; typing
/// is forwarded live and never stored, at most once per sender and conversation every
/// <see cref="TypingInterval"/>. Both check membership for groups on every frame.
/// </summary>
public sealed partial class ConversationSignals(
    ChatService.ChatServiceClient chat,
    RecipientDirectory recipients,
    IMessageBus bus,
    IMemoryCache cache,
    ILogger<ConversationSignals> logger) : IConversationSignals
{
    public static readonly TimeSpan TypingInterval = TimeSpan.FromSeconds(2);

    public async Task<Answer> ReadAsync(string reader, ReadFrame frame, CancellationToken aborted)
    {
        if (frame.UpTo.Length != 20 || !frame.UpTo.All(char.IsAsciiDigit))
        {
            return Answer.Error(ErrorCodes.InvalidFrame, "`upTo` must be a message id", clientId: null);
        }
        try
        {
            if (frame.With is { } peer && !await recipients.ExistsAsync(peer, aborted))
            {
                return Answer.Error(ErrorCodes.UnknownRecipient, $"no user is called {peer}", clientId: null);
            }
            var marked = await chat.MarkReadAsync(
                new MarkReadRequest { User = reader, Peer = frame.With ?? "", GroupId = frame.Group ?? "", UpTo = frame.UpTo },
                cancellationToken: aborted);
            if (!marked.Advanced)
            {
                return Answer.Silent; // the mark only moves forward: an older receipt changes nothing
            }
            if (frame.With is { } with)
            {
                await PublishAsync(with, BusEvent.ForRead(reader, with: reader, group: null, marked.ReadUpTo));
                await PublishAsync(reader, BusEvent.ForRead(reader, with: with, group: null, marked.ReadUpTo));
            }
            else
            {
                foreach (var member in await MembersAsync(reader, frame.Group!, aborted))
                {
                    await PublishAsync(member, BusEvent.ForRead(reader, with: null, frame.Group, marked.ReadUpTo));
                }
            }
            return Answer.Silent;
        }
        catch (RpcException e)
        {
            return ServiceErrorAnswers.For(e, frame.Group is null ? ConversationKind.Direct : ConversationKind.Group, clientId: null);
        }
    }

    public async Task<Answer> TypingAsync(string typist, TypingFrame frame, CancellationToken aborted)
    {
        var key = (typeof(ConversationSignals), typist, frame.To, frame.Group);
        if (cache.TryGetValue(key, out _))
        {
            return Answer.Silent; // coalesced: one "typing" per sender and conversation per interval
        }
        try
        {
            if (frame.To is { } to)
            {
                if (!await recipients.ExistsAsync(to, aborted))
                {
                    return Answer.Error(ErrorCodes.UnknownRecipient, $"no user is called {to}", clientId: null);
                }
                await PublishAsync(to, BusEvent.ForTyping(typist, to, group: null));
            }
            else
            {
                foreach (var member in await MembersAsync(typist, frame.Group!, aborted))
                {
                    if (member != typist)
                    {
                        await PublishAsync(member, BusEvent.ForTyping(typist, to: null, frame.Group));
                    }
                }
            }
            cache.Set(key, true, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = TypingInterval, Size = 1 });
            return Answer.Silent;
        }
        catch (RpcException e)
        {
            return ServiceErrorAnswers.For(e, frame.Group is null ? ConversationKind.Direct : ConversationKind.Group, clientId: null);
        }
    }

    /// <summary>The group's members, asked of ChatService each time (which refuses non-members).</summary>
    private async Task<IReadOnlyList<string>> MembersAsync(string user, string group, CancellationToken aborted)
    {
        var found = await chat.GetGroupAsync(new GetGroupRequest { User = user, GroupId = group }, cancellationToken: aborted);
        return found.Members;
    }

    private async Task PublishAsync(string user, BusEvent busEvent)
    {
        try
        {
            await bus.PublishAsync(user, busEvent, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogPublishFailed(logger, busEvent.Kind, e.Message); // live-only signals: lost, and that is acceptable
        }
    }

    [LoggerMessage(EventId = 130, Level = LogLevel.Warning, Message = "Publishing a {Kind} signal failed: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, BusEventKind kind, string reason);
}

/// <summary>Read receipts and typing frames of a connection.</summary>
public interface IConversationSignals
{
    Task<Answer> ReadAsync(string reader, ReadFrame frame, CancellationToken aborted);

    Task<Answer> TypingAsync(string typist, TypingFrame frame, CancellationToken aborted);
}

using Chat.ChatService.Storage;
using Chat.Contracts.Chat.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Chat.ChatService.Grpc;

/// <summary>chat.v1.ChatService: the 1:1 message path (groups, read marks and the conversation list come later).</summary>
public sealed partial class ChatGrpcService(IMessageStore store, ILogger<ChatGrpcService> logger) : Contracts.Chat.V1.ChatService.ChatServiceBase
{
    public override async Task<StoreMessageResponse> StoreMessage(StoreMessageRequest request, ServerCallContext context)
    {
        MessageRules.RequireUser(request.Sender, "sender");
        if (request.GroupId.Length > 0)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "group messages are not available yet"));
        }
        MessageRules.RequireUser(request.Recipient, "recipient");
        MessageRules.RequireText(request.Text);
        MessageRules.RequireClientId(request.ClientId);
        var result = await store.StoreAsync(
            new NewMessage(request.Sender, request.Recipient, request.Text, request.ClientId.Length > 0 ? request.ClientId : null),
            context.CancellationToken);
        if (!result.Duplicate)
        {
            LogStored(logger, result.Message.Id);
        }
        return new StoreMessageResponse { Message = ToContract(result.Message), Duplicate = result.Duplicate, PreviousId = result.PreviousId };
    }

    public override async Task<GetHistoryResponse> GetHistory(GetHistoryRequest request, ServerCallContext context)
    {
        MessageRules.RequireUser(request.User, "user");
        if (request.GroupId.Length > 0)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "group history is not available yet"));
        }
        MessageRules.RequireUser(request.Peer, "peer");
        MessageRules.RequireCursor(request.Before, "before");
        var limit = MessageRules.PageSize(request.Limit, MessageRules.DefaultHistoryPage, MessageRules.MaxHistoryPage);
        // One more than asked tells whether an older page exists.
        var page = await store.HistoryAsync(request.User, request.Peer, request.Before, limit + 1, context.CancellationToken);
        var response = new GetHistoryResponse();
        response.Messages.AddRange(page.Take(limit).Select(ToContract));
        if (page.Count > limit)
        {
            response.NextBefore = page[limit - 1].Id;
        }
        return response;
    }

    public override async Task<SyncMessagesResponse> SyncMessages(SyncMessagesRequest request, ServerCallContext context)
    {
        MessageRules.RequireUser(request.User, "user");
        MessageRules.RequireCursor(request.After, "after");
        var limit = MessageRules.PageSize(request.Limit, MessageRules.DefaultSyncPage, MessageRules.MaxSyncPage);
        var page = await store.SyncAsync(request.User, request.After.Length > 0 ? request.After : null, limit, context.CancellationToken);
        var response = new SyncMessagesResponse { HasMore = page.HasMore, After = page.After };
        response.Messages.AddRange(page.Messages.Select(ToContract));
        return response;
    }

    public override async Task<AckDeliveredResponse> AckDelivered(AckDeliveredRequest request, ServerCallContext context)
    {
        MessageRules.RequireUser(request.User, "user");
        MessageRules.RequireCursor(request.UpTo, "up_to");
        return new AckDeliveredResponse { DeliveredUpTo = await store.AckDeliveredAsync(request.User, request.UpTo, context.CancellationToken) };
    }

    private static Message ToContract(StoredMessage m) => new()
    {
        Id = m.Id,
        Sender = m.Sender,
        Recipient = m.Recipient,
        Text = m.Text,
        SentAt = Timestamp.FromDateTime(DateTime.SpecifyKind(m.SentAt, DateTimeKind.Utc)),
        ClientId = m.ClientId ?? "",
    };

    // The id only: who wrote to whom, and what, stays out of the log.
    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Stored message {Id}")]
    private static partial void LogStored(ILogger logger, string id);
}

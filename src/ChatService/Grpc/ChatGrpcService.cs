using System.Diagnostics;
using Chat.ChatService.Groups;
using Chat.ChatService.Messages;
using Chat.ChatService.Observability;
using Chat.ChatService.Storage;
using Chat.ChatService.Users;
using Chat.Contracts.Chat.V1;
using Chat.ServiceDefaults.Grpc;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using static Chat.ChatService.Grpc.RequestValidation;

namespace Chat.ChatService.Grpc;

/// <summary>
/// chat.v1.ChatService: validates (the users a call names must exist: <see cref="UserDirectory"/>), hands to the stores (messages; groups, read marks and the
/// conversation list), maps back. Store failures become status codes in StoreFailureInterceptor.
/// </summary>
internal sealed partial class ChatGrpcService(
    IMessageStore store,
    IOptions<GroupOptions> groupOptions,
    IConversationStore conversations,
    UserDirectory users,
    ChatServiceMetrics metrics,
    DependencyOutageOptions outages,
    IHostApplicationLifetime lifetime,
    ILogger<ChatGrpcService> logger) : Contracts.Chat.V1.ChatService.ChatServiceBase
{
    private readonly GroupOptions _groups = groupOptions.Value;

    public override async Task<StoreMessageResponse> StoreMessage(StoreMessageRequest request, ServerCallContext context)
    {
        RequireName(request.Sender, "sender");
        var toGroup = IsGroup(request.Recipient, "recipient", request.GroupId);
        RequireName(toGroup ? request.GroupId : request.Recipient, toGroup ? "group_id" : "recipient");
        RequireText(request.Text);
        RequireClientId(request.ClientId);

        if (!toGroup)
        {
            // A group's members were checked when they joined; a direct message names two users.
            await users.RequireAllAsync([request.Sender, request.Recipient], context);
        }

        var clientId = request.ClientId.Length == 0 ? null : request.ClientId;
        var conversation = toGroup ? "group" : "direct";
        var startedAt = Stopwatch.GetTimestamp();
        using var activity = metrics.StartStore(conversation);
        StoreResult result;
        try
        {
            result = toGroup
                ? await conversations.StoreGroupMessageAsync(new NewGroupMessage(request.Sender, request.GroupId, request.Text, clientId), context.CancellationToken)
                : await store.StoreAsync(new NewMessage(request.Sender, request.Recipient, request.Text, clientId), context.CancellationToken);
        }
        catch (Exception e)
        {
            metrics.StoreFinished(conversation, e.GetType().Name, duplicate: false, startedAt);
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            throw;
        }
        metrics.StoreFinished(conversation, "ok", result.Duplicate, startedAt);
        activity?.SetTag("messaging.message.id", MessageId.Format(result.Message.Id));
        LogStored(logger, MessageId.Format(result.Message.Id), result.Duplicate);
        var response = new StoreMessageResponse
        {
            // Not the message: the caller has everything in it but these two.
            Id = MessageId.Format(result.Message.Id),
            SentAt = Timestamp.FromDateTimeOffset(result.Message.SentAt),
            Duplicate = result.Duplicate,
            PreviousId = MessageId.Format(result.PreviousId),
        };
        foreach (var (member, previous) in result.MemberPreviousIds)
        {
            response.MemberPreviousIds[member] = MessageId.Format(previous);
        }
        return response;
    }

    /// <summary>
    /// Every message as <see cref="StoreMessage"/>, all at once: the group commit store writes
    /// those that arrive together in one transaction. A message's own refusal is its outcome; any
    /// other failure fails the call (StoreFailureInterceptor maps it), and the caller may call
    /// again with the same messages.
    /// </summary>
    public override async Task<StoreMessagesResponse> StoreMessages(StoreMessagesRequest request, ServerCallContext context)
    {
        if (request.Messages.Count > MessageLimits.MaxMessagesPerStoreCall)
        {
            throw Invalid($"at most {MessageLimits.MaxMessagesPerStoreCall} messages a call");
        }
        var response = new StoreMessagesResponse();
        response.Outcomes.AddRange(await Task.WhenAll(request.Messages.Select(m => OutcomeAsync(m, context))));
        return response;
    }

    /// <summary>StoreMessages' batches on one long-lived stream (<see cref="StoreBatchStream"/>).</summary>
    public override Task StoreMessageStream(IAsyncStreamReader<StoreBatch> requestStream, IServerStreamWriter<StoredBatch> responseStream, ServerCallContext context) =>
        new StoreBatchStream(StoreMessages, outages, responseStream, context, lifetime.ApplicationStopping, logger).RunAsync(requestStream);

    private async Task<StoreOutcome> OutcomeAsync(StoreMessageRequest request, ServerCallContext context)
    {
        try
        {
            return new StoreOutcome { Stored = await StoreMessage(request, context) };
        }
        catch (Exception e) when (StoreFailureInterceptor.RefusalOf(e) is { } refusal)
        {
            return new StoreOutcome { Refused = new StoreRefusal { Code = (int)refusal.StatusCode, Detail = refusal.Detail } };
        }
    }

    public override async Task<GetHistoryResponse> GetHistory(GetHistoryRequest request, ServerCallContext context)
    {
        RequireName(request.User, "user");
        var ofGroup = IsGroup(request.Peer, "peer", request.GroupId);
        RequireName(ofGroup ? request.GroupId : request.Peer, ofGroup ? "group_id" : "peer");
        var before = RequireId(request.Before, "before");
        var limit = MessageLimits.PageSize(request.Limit, MessageLimits.DefaultHistoryPage, MessageLimits.MaxHistoryPage);

        var page = ofGroup
            ? await conversations.GetGroupHistoryAsync(request.User, request.GroupId, before, limit, context.CancellationToken)
            : await store.GetConversationAsync(request.User, request.Peer, before, limit, context.CancellationToken);
        var response = new GetHistoryResponse
        {
            NextBefore = page.HasMore ? MessageId.Format(page.Messages[^1].Id) : "",
        };
        response.Messages.AddRange(page.Messages.Select(m => m.ToContract()));
        return response;
    }

    public override async Task<SyncMessagesResponse> SyncMessages(SyncMessagesRequest request, ServerCallContext context)
    {
        RequireName(request.User, "user");
        long? after = request.After.Length == 0 ? null : RequireId(request.After, "after");
        var limit = MessageLimits.PageSize(request.Limit, MessageLimits.DefaultSyncPage, MessageLimits.MaxSyncPage);

        var page = await store.GetInboxAsync(request.User, after, limit, context.CancellationToken);
        var response = new SyncMessagesResponse
        {
            HasMore = page.HasMore,
            After = MessageId.Format(page.After),
        };
        response.Messages.AddRange(page.Messages.Select(m => m.ToContract()));
        return response;
    }

    public override async Task<AckDeliveredResponse> AckDelivered(AckDeliveredRequest request, ServerCallContext context)
    {
        var mark = await store.AdvanceDeliveryMarksAsync([RequireMark(request)], context.CancellationToken);
        return new AckDeliveredResponse { DeliveredUpTo = MessageId.Format(mark[0]) };
    }

    public override async Task<AckDeliveredManyResponse> AckDeliveredMany(AckDeliveredManyRequest request, ServerCallContext context)
    {
        if (request.Marks.Count > MessageLimits.MaxMarksPerCall)
        {
            throw Invalid($"at most {MessageLimits.MaxMarksPerCall} marks a call");
        }
        var response = new AckDeliveredManyResponse();
        if (request.Marks.Count == 0)
        {
            return response;
        }
        var marks = await store.AdvanceDeliveryMarksAsync([.. request.Marks.Select(RequireMark)], context.CancellationToken);
        response.Marks.AddRange(marks.Select(m => new AckDeliveredResponse { DeliveredUpTo = MessageId.Format(m) }));
        return response;
    }

    private static DeliveryMark RequireMark(AckDeliveredRequest request)
    {
        RequireName(request.User, "user");
        if (request.UpTo.Length == 0)
        {
            throw Invalid("up_to is required");
        }
        return new DeliveryMark(request.User, RequireId(request.UpTo, "up_to"));
    }

    public override async Task<Group> CreateGroup(CreateGroupRequest request, ServerCallContext context)
    {
        RequireName(request.Owner, "owner");
        RequireGroupName(request.Name);
        foreach (var member in request.Members)
        {
            RequireName(member, "members");
        }
        await users.RequireAllAsync([request.Owner, .. request.Members], context);
        var group = await conversations.CreateGroupAsync(request.Owner, request.Name, request.Members, _groups.MaxMembers, context.CancellationToken);
        return ToContract(group);
    }

    public override async Task<Group> GetGroup(GetGroupRequest request, ServerCallContext context)
    {
        RequireName(request.User, "user");
        RequireName(request.GroupId, "group_id");
        return ToContract(await conversations.GetGroupAsync(request.User, request.GroupId, context.CancellationToken));
    }

    public override async Task<ListGroupsResponse> ListGroups(ListGroupsRequest request, ServerCallContext context)
    {
        RequireName(request.User, "user");
        var response = new ListGroupsResponse();
        response.Groups.AddRange((await conversations.ListGroupsAsync(request.User, context.CancellationToken)).Select(ToContract));
        return response;
    }

    public override async Task<Group> AddGroupMember(AddGroupMemberRequest request, ServerCallContext context)
    {
        RequireName(request.User, "user");
        RequireName(request.GroupId, "group_id");
        RequireName(request.Username, "username");
        await users.RequireAllAsync([request.Username], context);
        return ToContract(await conversations.AddMemberAsync(request.User, request.GroupId, request.Username, _groups.MaxMembers, context.CancellationToken));
    }

    public override async Task<Group> RemoveGroupMember(RemoveGroupMemberRequest request, ServerCallContext context)
    {
        RequireName(request.User, "user");
        RequireName(request.GroupId, "group_id");
        RequireName(request.Username, "username");
        return ToContract(await conversations.RemoveMemberAsync(request.User, request.GroupId, request.Username, context.CancellationToken));
    }

    public override async Task<MarkReadResponse> MarkRead(MarkReadRequest request, ServerCallContext context)
    {
        RequireName(request.User, "user");
        var ofGroup = IsGroup(request.Peer, "peer", request.GroupId);
        RequireName(ofGroup ? request.GroupId : request.Peer, ofGroup ? "group_id" : "peer");
        if (request.UpTo.Length == 0)
        {
            throw Invalid("up_to is required");
        }
        var upTo = RequireId(request.UpTo, "up_to");

        var conversation = ofGroup ? new ConversationRef(null, request.GroupId) : new ConversationRef(request.Peer, null);
        var mark = await conversations.MarkReadAsync(request.User, conversation, upTo, context.CancellationToken);
        return new MarkReadResponse { ReadUpTo = MessageId.Format(mark.UpTo), Advanced = mark.Advanced };
    }

    public override async Task<ListConversationsResponse> ListConversations(ListConversationsRequest request, ServerCallContext context)
    {
        RequireName(request.User, "user");
        var limit = MessageLimits.PageSize(request.Limit, MessageLimits.DefaultConversationPage, MessageLimits.MaxConversationPage);

        var page = await conversations.ListConversationsAsync(request.User, limit, request.Page, context.CancellationToken);
        var response = new ListConversationsResponse { NextPage = page.NextPage ?? "" };
        response.Conversations.AddRange(page.Conversations.Select(c => new Conversation
        {
            Peer = c.Peer ?? "",
            GroupId = c.GroupId ?? "",
            Name = c.Name ?? "",
            LastMessage = c.LastMessage?.ToContract(),
            Unread = c.Unread,
            ReadUpTo = MessageId.Format(c.ReadUpTo),
        }));
        return response;
    }

    private static Group ToContract(GroupRecord g)
    {
        var group = new Group { Id = g.Id, Name = g.Name, Owner = g.Owner, CreatedAt = Timestamp.FromDateTimeOffset(g.CreatedAt) };
        group.Members.AddRange(g.Members);
        return group;
    }

    // Debug, not Information: one line per stored message would make the log the hot path.
    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Stored message {MessageId} (duplicate: {Duplicate})")]
    private static partial void LogStored(ILogger logger, string messageId, bool duplicate);
}

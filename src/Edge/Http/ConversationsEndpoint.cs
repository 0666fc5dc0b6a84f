using System.Text.Json.Serialization;
using Chat.Contracts.Chat.V1;
using Chat.Edge.Auth;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;

namespace Chat.Edge.Http;

/// <summary>
/// <c>GET /api/conversations</c>: the caller's conversations, most recent activity first, each with
/// its last message, unread count and read mark — one ChatService call (one query) per page.
/// </summary>
public static class ConversationsEndpoint
{
    public static WebApplication MapConversations(this WebApplication app)
    {
        app.MapGet("/api/conversations", HandleAsync).RequireAuthorization();
        return app;
    }

    private static async Task<IResult> HandleAsync(HttpContext http, [FromServices] ChatService.ChatServiceClient chat, int? limit, string? page)
    {
        try
        {
            var answer = await chat.ListConversationsAsync(
                new ListConversationsRequest { User = http.User.ToAuthenticatedUser().Username, Limit = Math.Clamp(limit ?? 50, 1, 200), Page = page ?? "" },
                cancellationToken: http.RequestAborted);
            return Results.Json(new
            {
                conversations = answer.Conversations.Select(ConversationJson.Of),
                nextPage = answer.NextPage.Length > 0 ? answer.NextPage : null,
            });
        }
        catch (RpcException e)
        {
            return ServiceProblems.For(e, http, ProblemContext.Conversations);
        }
    }

    private sealed record ConversationJson(
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? With,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Group,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
        MessageJson? LastMessage,
        long Unread,
        string? ReadUpTo)
    {
        public static ConversationJson Of(Conversation c) => new(
            c.Peer.Length > 0 ? c.Peer : null,
            c.GroupId.Length > 0 ? c.GroupId : null,
            c.GroupId.Length > 0 ? c.Name : null,
            c.LastMessage is { } m ? MessageJson.Of(m) : null,
            c.Unread,
            c.ReadUpTo.Length > 0 ? c.ReadUpTo : null);
    }
}

using System.Globalization;
using Chat.Contracts;
using Chat.Contracts.Chat.V1;
using Chat.Edge.Auth;
using Chat.Edge.Messaging;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;

namespace Chat.Edge.Http;

/// <summary>
/// <c>GET /api/messages?with=USER&amp;before=ID&amp;limit=N</c>: one conversation, newest first,
/// a page at a time (PROTOCOL.md, HTTP).
/// </summary>
public static class HistoryEndpoint
{
    public static WebApplication MapMessageHistory(this WebApplication app)
    {
        app.MapGet("/api/messages", HandleAsync).RequireAuthorization();
        return app;
    }

    private static async Task<IResult> HandleAsync(
        HttpContext http,
        [FromServices] ChatService.ChatServiceClient chat,
        [FromServices] RecipientDirectory directory,
        string? with,
        string? group,
        string? before,
        string? limit)
    {
        var user = http.User.ToAuthenticatedUser();
        if (string.IsNullOrEmpty(with) == string.IsNullOrEmpty(group))
        {
            return BadRequest("Name exactly one of `with` (a username) and `group` (a group id).");
        }
        var pageSize = MessageLimits.DefaultHistoryPage;
        if (!string.IsNullOrEmpty(limit) && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize < 1))
        {
            return BadRequest("`limit` must be a positive whole number.");
        }
        pageSize = Math.Min(pageSize, MessageLimits.MaxHistoryPage);
        if (before is not null && !MessageId.TryParse(before, out _))
        {
            return BadRequest($"`before` must be a message id (up to {MessageId.Width} digits).");
        }
        var peer = UsernameRules.Normalize(with);
        try
        {
            if (peer is not null && !await directory.ExistsAsync(peer, http.RequestAborted))
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found", detail: $"No user is called {peer}.");
            }
            var page = await chat.GetHistoryAsync(
                new GetHistoryRequest { User = user.Username, Peer = peer ?? "", GroupId = group ?? "", Before = before ?? "", Limit = pageSize },
                cancellationToken: http.RequestAborted);
            return Results.Json(new HistoryPage(
                [.. page.Messages.Select(MessageJson.Of)],
                page.NextBefore.Length > 0 ? page.NextBefore : null));
        }
        catch (RpcException e)
        {
            return ServiceProblems.For(e, http, ProblemContext.History);
        }
    }

    private static IResult BadRequest(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad Request", detail: detail);

    private sealed record HistoryPage(IReadOnlyList<MessageJson> Messages, string? NextBefore);
}

using System.Text.Json;
using Chat.Contracts;
using Chat.Contracts.Chat.V1;
using Chat.Edge.Auth;
using Chat.Edge.Protocol;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using static Chat.Edge.Http.ServiceProblems;

namespace Chat.Edge.Http;

/// <summary>
/// Groups over HTTP (PROTOCOL.md, "groups"): create, list mine, add a member, leave or remove.
/// ChatService owns membership and checks it, and that the users named exist.
/// </summary>
public static class GroupEndpoints
{
    public static WebApplication MapGroupApi(this WebApplication app)
    {
        var groups = app.MapGroup("/api/groups").RequireAuthorization();
        groups.MapPost("", CreateAsync);
        groups.MapGet("", ListAsync);
        groups.MapPost("/{id}/members", AddMemberAsync);
        groups.MapDelete("/{id}/members/{username}", RemoveMemberAsync);
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, [FromServices] ChatService.ChatServiceClient chat)
    {
        var user = http.User.ToAuthenticatedUser();
        var body = await ReadJsonAsync(http);
        if (body is not { ValueKind: JsonValueKind.Object } root
            || !root.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("members", out var membersElement) || membersElement.ValueKind != JsonValueKind.Array
            || membersElement.EnumerateArray().Any(m => m.ValueKind != JsonValueKind.String))
        {
            return Problem(StatusCodes.Status400BadRequest, "Expected {\"name\":\"…\",\"members\":[\"bob\",…]}.");
        }
        var name = StorableString(nameElement)?.Trim();
        var named = membersElement.EnumerateArray().Select(m => UsernameRules.Normalize(StorableString(m))).ToList();
        if (name is null || named.Contains(null))
        {
            return Problem(StatusCodes.Status400BadRequest, $"A group name or member {StorableText.Rule}.");
        }
        if (name.Length is < 1 or > MessageLimits.MaxGroupNameLength)
        {
            return Problem(StatusCodes.Status400BadRequest, $"A group name has 1 to {MessageLimits.MaxGroupNameLength} characters.");
        }
        var members = named.OfType<string>().Distinct().ToList();
        return await CallAsync(http, async () =>
        {
            var group = await chat.CreateGroupAsync(new CreateGroupRequest { Owner = user.Username, Name = name, Members = { members } }, cancellationToken: http.RequestAborted);
            return Results.Json(GroupJson.Of(group), statusCode: StatusCodes.Status201Created);
        });
    }

    private static Task<IResult> ListAsync(HttpContext http, [FromServices] ChatService.ChatServiceClient chat) =>
        CallAsync(http, async () =>
        {
            var mine = await chat.ListGroupsAsync(new ListGroupsRequest { User = http.User.ToAuthenticatedUser().Username }, cancellationToken: http.RequestAborted);
            return Results.Json(new { groups = mine.Groups.Select(GroupJson.Of) });
        });

    private static async Task<IResult> AddMemberAsync(HttpContext http, string id, [FromServices] ChatService.ChatServiceClient chat)
    {
        var body = await ReadJsonAsync(http);
        if (body is not { ValueKind: JsonValueKind.Object } root || !root.TryGetProperty("username", out var u) || u.ValueKind != JsonValueKind.String)
        {
            return Problem(StatusCodes.Status400BadRequest, "Expected {\"username\":\"…\"}.");
        }
        if (UsernameRules.Normalize(StorableString(u)) is not { } username)
        {
            return Problem(StatusCodes.Status400BadRequest, $"A username {StorableText.Rule}.");
        }
        return await CallAsync(http, async () =>
        {
            await chat.AddGroupMemberAsync(new AddGroupMemberRequest { User = http.User.ToAuthenticatedUser().Username, GroupId = id, Username = username }, cancellationToken: http.RequestAborted);
            return Results.NoContent();
        });
    }

    private static Task<IResult> RemoveMemberAsync(HttpContext http, string id, string username, [FromServices] ChatService.ChatServiceClient chat) =>
        !UsernameRules.IsValidUsername(UsernameRules.Normalize(username))
            ? Task.FromResult(Problem(StatusCodes.Status404NotFound, "No user can have that name (3-32 of a-z 0-9 _ . -)."))
            : CallAsync(http, async () =>
        {
            await chat.RemoveGroupMemberAsync(new RemoveGroupMemberRequest { User = http.User.ToAuthenticatedUser().Username, GroupId = id, Username = UsernameRules.Normalize(username) }, cancellationToken: http.RequestAborted);
            return Results.NoContent();
        });

    private static async Task<IResult> CallAsync(HttpContext http, Func<Task<IResult>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException e)
        {
            return For(e, http, ProblemContext.Groups);
        }
    }

    private static async Task<JsonElement?> ReadJsonAsync(HttpContext http)
    {
        if (!http.Request.HasJsonContentType())
        {
            return null;
        }
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            return document.RootElement.Clone();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The string's value; null when no service could keep it (<see cref="StorableText"/>).</summary>
    private static string? StorableString(JsonElement element)
    {
        try
        {
            return element.GetString() is { } value && StorableText.IsStorable(value) ? value : null;
        }
        catch (InvalidOperationException)
        {
            return null; // a lone surrogate escape ("\ud800"): valid JSON, but no text
        }
    }

    private sealed record GroupJson(string Id, string Name, string Owner, IReadOnlyList<string> Members)
    {
        public static GroupJson Of(Group g) => new(g.Id, g.Name, g.Owner, [.. g.Members]);
    }
}

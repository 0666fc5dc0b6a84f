using System.Text.Json;
using Chat.Contracts.User.V1;
using Chat.Edge.Auth;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using static Chat.Edge.Http.AccountEndpoints;
using static Chat.Edge.Http.ServiceProblems;

namespace Chat.Edge.Http;

/// <summary>
/// Sessions over HTTP (PROTOCOL.md): refresh, logout, the list of one's sessions, ending one, and
/// changing the password. UserService checks the bearer token itself (its session must not have
/// ended), so these calls pass it on rather than trusting the Edge's token cache.
/// </summary>
public static class SessionEndpoints
{
    private const int MaxBodyBytes = 16 * 1024;

    public static WebApplication MapSessionApi(this WebApplication app)
    {
        var auth = app.MapGroup("/api/auth");
        auth.MapPost("/refresh", RefreshAsync);
        auth.MapPost("/logout", LogoutAsync);
        auth.MapGet("/sessions", ListAsync);
        auth.MapDelete("/sessions/{id}", RevokeAsync);
        auth.MapPost("/password", ChangePasswordAsync);
        return app;
    }

    private static async Task<IResult> RefreshAsync(HttpContext http, [FromServices] UserService.UserServiceClient users)
    {
        if (await ReadStringsAsync(http, "refreshToken") is not [var refreshToken])
        {
            return Problem(StatusCodes.Status400BadRequest, "Expected a JSON body {\"refreshToken\":\"…\"}.");
        }
        try
        {
            return TokenPair(await users.RefreshAsync(
                new RefreshRequest { RefreshToken = refreshToken, ClientAddress = ClientAddress(http) },
                cancellationToken: http.RequestAborted));
        }
        catch (RpcException e)
        {
            return For(e, http, ProblemContext.Refresh);
        }
    }

    private static Task<IResult> LogoutAsync(HttpContext http, [FromServices] UserService.UserServiceClient users) =>
        CallAsync(http, ProblemContext.Session, async () =>
        {
            await users.LogoutAsync(new LogoutRequest { AccessToken = Bearer(http) }, cancellationToken: http.RequestAborted);
            return Results.NoContent();
        });

    private static Task<IResult> ListAsync(HttpContext http, [FromServices] UserService.UserServiceClient users) =>
        CallAsync(http, ProblemContext.Session, async () =>
        {
            var answer = await users.ListSessionsAsync(new ListSessionsRequest { AccessToken = Bearer(http) }, cancellationToken: http.RequestAborted);
            return Results.Json(new
            {
                sessions = answer.Sessions.Select(s => new
                {
                    id = s.Id,
                    device = s.Device,
                    createdAt = s.CreatedAt.ToDateTimeOffset(),
                    lastUsedAt = s.LastUsedAt.ToDateTimeOffset(),
                    current = s.Current,
                }),
            });
        });

    private static Task<IResult> RevokeAsync(HttpContext http, string id, [FromServices] UserService.UserServiceClient users) =>
        CallAsync(http, ProblemContext.Session, async () =>
        {
            await users.RevokeSessionAsync(new RevokeSessionRequest { AccessToken = Bearer(http), SessionId = id }, cancellationToken: http.RequestAborted);
            return Results.NoContent();
        });

    private static async Task<IResult> ChangePasswordAsync(HttpContext http, [FromServices] UserService.UserServiceClient users)
    {
        if (await ReadStringsAsync(http, "oldPassword", "newPassword") is not [var oldPassword, var newPassword])
        {
            return Problem(StatusCodes.Status400BadRequest, "Expected a JSON body {\"oldPassword\":\"…\",\"newPassword\":\"…\"}.");
        }
        return await CallAsync(http, ProblemContext.PasswordChange, async () =>
        {
            await users.ChangePasswordAsync(new ChangePasswordRequest { AccessToken = Bearer(http), OldPassword = oldPassword, NewPassword = newPassword, ClientAddress = ClientAddress(http) },
                cancellationToken: http.RequestAborted);
            return Results.NoContent();
        });
    }

    private static string Bearer(HttpContext http) => BearerToken.From(http.Request, allowQuery: false) ?? "";

    /// <summary>UserService's answers as the contract's statuses (<see cref="ServiceProblems"/>).</summary>
    private static async Task<IResult> CallAsync(HttpContext http, ProblemContext context, Func<Task<IResult>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException e)
        {
            return For(e, http, context);
        }
    }

    /// <summary>The named string properties of a JSON object body, in order; null when the body is not such an object.</summary>
    private static async Task<string[]?> ReadStringsAsync(HttpContext http, params string[] names)
    {
        if (!http.Request.HasJsonContentType() || http.Request.ContentLength > MaxBodyBytes)
        {
            return null;
        }
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            var values = new string[names.Length];
            for (var i = 0; i < names.Length; i++)
            {
                if (!root.TryGetProperty(names[i], out var value) || value.ValueKind != JsonValueKind.String)
                {
                    return null;
                }
                values[i] = value.GetString()!;
            }
            return values;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null; // not JSON, or a string that is no text (a lone surrogate escape)
        }
    }
}

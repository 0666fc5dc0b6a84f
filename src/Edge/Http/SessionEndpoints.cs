using System.Text.Json;
using Chat.Contracts.User.V1;
using Chat.Edge.Auth;
using Chat.ServiceDefaults.Grpc;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using static Chat.Edge.Http.AccountEndpoints;

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

    private static async Task<IResult> RefreshAsync(HttpContext http, [FromServices] UserService.UserServiceClient users, IOptions<ServiceCallOptions> calls)
    {
        if (await ReadStringsAsync(http, "refreshToken") is not [var refreshToken])
        {
            return Problem(StatusCodes.Status400BadRequest, "Expected a JSON body {\"refreshToken\":\"…\"}.");
        }
        try
        {
            return TokenPair(await users.RefreshAsync(
                new RefreshRequest { RefreshToken = refreshToken, ClientAddress = ClientAddress(http) },
                deadline: calls.Value.Deadline(), cancellationToken: http.RequestAborted));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated)
        {
            return Problem(StatusCodes.Status401Unauthorized, "The refresh token is unknown, expired or of an ended session; log in again.");
        }
        catch (RpcException e)
        {
            return Unavailable(e);
        }
    }

    private static Task<IResult> LogoutAsync(HttpContext http, [FromServices] UserService.UserServiceClient users, IOptions<ServiceCallOptions> calls) =>
        CallAsync(http, async () =>
        {
            await users.LogoutAsync(new LogoutRequest { AccessToken = Bearer(http) }, deadline: calls.Value.Deadline(), cancellationToken: http.RequestAborted);
            return Results.NoContent();
        });

    private static Task<IResult> ListAsync(HttpContext http, [FromServices] UserService.UserServiceClient users, IOptions<ServiceCallOptions> calls) =>
        CallAsync(http, async () =>
        {
            var answer = await users.ListSessionsAsync(new ListSessionsRequest { AccessToken = Bearer(http) }, deadline: calls.Value.Deadline(), cancellationToken: http.RequestAborted);
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

    private static Task<IResult> RevokeAsync(HttpContext http, string id, [FromServices] UserService.UserServiceClient users, IOptions<ServiceCallOptions> calls) =>
        CallAsync(http, async () =>
        {
            await users.RevokeSessionAsync(new RevokeSessionRequest { AccessToken = Bearer(http), SessionId = id }, deadline: calls.Value.Deadline(), cancellationToken: http.RequestAborted);
            return Results.NoContent();
        });

    private static async Task<IResult> ChangePasswordAsync(HttpContext http, [FromServices] UserService.UserServiceClient users, IOptions<ServiceCallOptions> calls)
    {
        if (await ReadStringsAsync(http, "oldPassword", "newPassword") is not [var oldPassword, var newPassword])
        {
            return Problem(StatusCodes.Status400BadRequest, "Expected a JSON body {\"oldPassword\":\"…\",\"newPassword\":\"…\"}.");
        }
        return await CallAsync(http, async () =>
        {
            await users.ChangePasswordAsync(new ChangePasswordRequest { AccessToken = Bearer(http), OldPassword = oldPassword, NewPassword = newPassword, ClientAddress = ClientAddress(http) },
                deadline: calls.Value.Deadline(), cancellationToken: http.RequestAborted);
            return Results.NoContent();
        });
    }

    private static string Bearer(HttpContext http) => BearerToken.From(http.Request, allowQuery: false) ?? "";

    /// <summary>UserService's answers as the contract's statuses; a refused token is the contract's 401.</summary>
    private static async Task<IResult> CallAsync(HttpContext http, Func<Task<IResult>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated)
        {
            return Problems.Unauthenticated(http);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            return Problem(StatusCodes.Status401Unauthorized, "The old password is wrong.");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
        {
            return TooManyFailures(http, e);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return Problem(StatusCodes.Status404NotFound, e.Status.Detail);
        }
        catch (RpcException e)
        {
            return Unavailable(e);
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

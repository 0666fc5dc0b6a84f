using System.Text.Json;
using Chat.Contracts;
using Chat.Contracts.User.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using static Chat.Edge.Http.ServiceProblems;

namespace Chat.Edge.Http;

/// <summary>
/// <c>POST /api/auth/register</c> and <c>POST /api/auth/login</c> (PROTOCOL.md, HTTP): thin
/// translations to UserService, every failure as problem+json. The session calls are in
/// <see cref="SessionEndpoints"/>.
/// </summary>
public static class AccountEndpoints
{
    public static WebApplication MapAccountApi(this WebApplication app)
    {
        var auth = app.MapGroup("/api/auth");
        auth.MapPost("/register", RegisterAsync);
        auth.MapPost("/login", LoginAsync);
        return app;
    }

    private static async Task<IResult> RegisterAsync(HttpContext http, [FromServices] UserService.UserServiceClient users)
    {
        if (await Credentials.ReadAsync(http) is not { } credentials)
        {
            return Problem(StatusCodes.Status400BadRequest, "Expected a JSON body {\"username\":\"…\",\"password\":\"…\"}.");
        }
        try
        {
            var answer = await users.RegisterAsync(
                new RegisterRequest { Username = credentials.Username, Password = credentials.Password },
                cancellationToken: http.RequestAborted);
            return Results.Json(new { id = answer.User.Id, username = answer.User.Username }, statusCode: StatusCodes.Status201Created);
        }
        catch (RpcException e)
        {
            return For(e, http, ProblemContext.Registration);
        }
    }

    private static async Task<IResult> LoginAsync(HttpContext http, [FromServices] UserService.UserServiceClient users)
    {
        if (await Credentials.ReadAsync(http) is not { } credentials)
        {
            return Problem(StatusCodes.Status400BadRequest, "Expected a JSON body {\"username\":\"…\",\"password\":\"…\"}.");
        }
        try
        {
            var answer = await users.LoginAsync(
                new LoginRequest
                {
                    Username = credentials.Username,
                    Password = credentials.Password,
                    ClientAddress = ClientAddress(http),
                    Device = credentials.Device ?? "",
                },
                cancellationToken: http.RequestAborted);
            return TokenPair(answer);
        }
        catch (RpcException e)
        {
            return For(e, http, ProblemContext.Login);
        }
    }

    /// <summary>The client's address as the gateway reports it (forwarded headers are honoured only from trusted proxies; see ForwardedHeadersExtensions).</summary>
    internal static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "";

    /// <summary>What login and refresh answer: the access token, the refresh token, their lifetimes in seconds.</summary>
    internal static IResult TokenPair(LoginResponse answer) => Results.Json(new
    {
        accessToken = answer.AccessToken,
        tokenType = answer.TokenType,
        expiresIn = answer.ExpiresIn,
        refreshToken = answer.RefreshToken,
        refreshExpiresIn = answer.RefreshExpiresIn,
    });

    /// <summary>The JSON body of both calls (login may name the device); null when it is not one.</summary>
    private sealed record Credentials(string Username, string Password, string? Device)
    {
        private const int MaxBodyBytes = 16 * 1024;

        public static async Task<Credentials?> ReadAsync(HttpContext http)
        {
            if (!http.Request.HasJsonContentType() || http.Request.ContentLength > MaxBodyBytes)
            {
                return null;
            }
            try
            {
                using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
                var root = document.RootElement;
                return root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("username", out var username) && username.ValueKind == JsonValueKind.String
                    && root.TryGetProperty("password", out var password) && password.ValueKind == JsonValueKind.String
                    ? new Credentials(username.GetString()!, password.GetString()!,
                        root.TryGetProperty("device", out var device) && device.ValueKind == JsonValueKind.String ? device.GetString() : null)
                    : null;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                return null; // not JSON, or a string that is no text (a lone surrogate escape)
            }
        }
    }
}

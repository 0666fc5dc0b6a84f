using System.Globalization;
using Chat.Contracts.User.V1;
using Chat.Contracts;
using Chat.UserService.Accounts;
using Chat.UserService.Login;
using Chat.UserService.Sessions;
using Chat.UserService.Tokens;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chat.UserService.Grpc;

/// <summary>user.v1.UserService: registration, login and sessions, token validation, lookup.</summary>
public sealed partial class UserGrpcService(AccountStore accounts, SessionStore sessions, TokenService tokens, LoginThrottle throttle, LoginMetrics logins, IOptions<SessionLifetimeOptions> sessionOptions, ILogger<UserGrpcService> logger)
    : Contracts.User.V1.UserService.UserServiceBase
{
    /// <summary>At most this many names per LookupUsers call (a full group's member list fits).</summary>
    public const int MaxLookup = 512;

    public override async Task<RegisterResponse> Register(RegisterRequest request, ServerCallContext context)
    {
        var username = UsernameRules.Normalize(request.Username);
        if (!UsernameRules.IsValidUsername(username))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"a username has {UsernameRules.MinLength} to {UsernameRules.MaxLength} of a-z 0-9 _ . -"));
        }
        if (!UsernameRules.IsValidPassword(request.Password))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"a password has {UsernameRules.MinPasswordLength} to {UsernameRules.MaxPasswordLength} characters"));
        }
        var account = await accounts.RegisterAsync(username, request.Password, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.AlreadyExists, $"the username {username} is taken"));
        LogRegistered(logger, account.Id);
        return new RegisterResponse { User = ToContract(account) };
    }

    public override async Task<LoginResponse> Login(LoginRequest request, ServerCallContext context)
    {
        var username = UsernameRules.Normalize(request.Username);
        var address = ClientAddress(request.ClientAddress, context);
        ThrowIfThrottled(username, address);
        var account = UsernameRules.IsValidUsername(username) && UsernameRules.IsValidPassword(request.Password)
            ? await accounts.VerifyAsync(username, request.Password, context.CancellationToken)
            : null;
        if (account is null)
        {
            throttle.Failed(username, address);
            LogLoginFailed(logger);
            logins.Failed();
            throw new RpcException(new Status(StatusCode.Unauthenticated, "wrong username or password"));
        }
        throttle.Succeeded(username, address);
        var (session, refreshToken) = await sessions.StartAsync(account.Id, request.Device.Trim(), context.CancellationToken);
        LogLoggedIn(logger, account.Id, session.Id);
        logins.Succeeded();
        return Pair(account, session.Id, refreshToken);
    }

    public override async Task<LoginResponse> Refresh(RefreshRequest request, ServerCallContext context)
    {
        var rotation = await sessions.RotateAsync(request.RefreshToken, context.CancellationToken);
        if (rotation.WasReuse)
        {
            // Two holders of one refresh token: one of them is not the user. RFC 9700 §4.14.2.
            LogReuse(logger, rotation.Session!.UserId, rotation.Session.Id);
        }
        if (rotation is not { Session: { } session, RefreshToken: { } next })
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "the refresh token is not valid"));
        }
        var account = (await accounts.FindByIdAsync(session.UserId, context.CancellationToken))!;
        LogRefreshed(logger, account.Id, session.Id);
        return Pair(account, session.Id, next);
    }

    public override async Task<ValidateTokenResponse> ValidateToken(ValidateTokenRequest request, ServerCallContext context)
    {
        var token = await RequireSessionAsync(request.Token, context);
        return new ValidateTokenResponse
        {
            UserId = token.UserId,
            Username = token.Username,
            ExpiresAt = Timestamp.FromDateTime(DateTime.SpecifyKind(token.ExpiresAt, DateTimeKind.Utc)),
            SessionId = token.SessionId.ToString(),
        };
    }

    public override async Task<LogoutResponse> Logout(LogoutRequest request, ServerCallContext context)
    {
        var token = await RequireSessionAsync(request.AccessToken, context);
        await sessions.EndAsync(Guid.Parse(token.UserId), token.SessionId, context.CancellationToken);
        LogLoggedOut(logger, token.SessionId);
        return new LogoutResponse();
    }

    public override async Task<ListSessionsResponse> ListSessions(ListSessionsRequest request, ServerCallContext context)
    {
        var token = await RequireSessionAsync(request.AccessToken, context);
        var response = new ListSessionsResponse();
        response.Sessions.AddRange((await sessions.ListAsync(Guid.Parse(token.UserId), context.CancellationToken)).Select(s => new Session
        {
            Id = s.Id.ToString(),
            Device = s.Device,
            CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(s.CreatedAt, DateTimeKind.Utc)),
            LastUsedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(s.LastUsedAt, DateTimeKind.Utc)),
            Current = s.Id == token.SessionId,
        }));
        return response;
    }

    public override async Task<RevokeSessionResponse> RevokeSession(RevokeSessionRequest request, ServerCallContext context)
    {
        var token = await RequireSessionAsync(request.AccessToken, context);
        if (!Guid.TryParse(request.SessionId, out var sessionId)
            || !await sessions.EndAsync(Guid.Parse(token.UserId), sessionId, context.CancellationToken))
        {
            throw new RpcException(new Status(StatusCode.NotFound, "no such session of yours"));
        }
        LogRevoked(logger, sessionId);
        return new RevokeSessionResponse();
    }

    public override async Task<ChangePasswordResponse> ChangePassword(ChangePasswordRequest request, ServerCallContext context)
    {
        var token = await RequireSessionAsync(request.AccessToken, context);
        if (!UsernameRules.IsValidPassword(request.NewPassword))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"a password has {UsernameRules.MinPasswordLength} to {UsernameRules.MaxPasswordLength} characters"));
        }
        // The old password is a login's proof: whoever holds a stolen access token gets the same
        // number of guesses here as at login, from the same allowance.
        var address = ClientAddress(request.ClientAddress, context);
        ThrowIfThrottled(token.Username, address);
        if (!UsernameRules.IsValidPassword(request.OldPassword)
            || !await accounts.ChangePasswordAsync(token.Username, request.OldPassword, request.NewPassword, context.CancellationToken))
        {
            throttle.Failed(token.Username, address);
            LogPasswordChangeFailed(logger, Guid.Parse(token.UserId));
            logins.Failed();
            // Not Unauthenticated: the caller's token is fine, the proof it offered is not.
            throw new RpcException(new Status(StatusCode.PermissionDenied, "the old password is wrong"));
        }
        throttle.Succeeded(token.Username, address);
        var ended = await sessions.EndOthersAsync(Guid.Parse(token.UserId), token.SessionId, context.CancellationToken);
        LogPasswordChanged(logger, Guid.Parse(token.UserId), ended);
        return new ChangePasswordResponse();
    }

    /// <summary>The end user's address as the Edge reports it; the caller's own for a direct call (grpcurl).</summary>
    private static string ClientAddress(string reported, ServerCallContext context) =>
        string.IsNullOrEmpty(reported) ? context.Peer : reported;

    /// <summary>ResourceExhausted, with the seconds to wait, once this username has failed too often from this address.</summary>
    private void ThrowIfThrottled(string username, string address)
    {
        if (throttle.RetryAfter(username, address) is not { } wait)
        {
            return;
        }
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        LogThrottled(logger, seconds);
        logins.Throttled();
        throw new RpcException(
            new Status(StatusCode.ResourceExhausted, "too many failed logins; try again later"),
            new Metadata { { GrpcTrailers.RetryAfterSeconds, seconds.ToString(CultureInfo.InvariantCulture) } });
    }

    /// <summary>A valid access token whose session has not ended, or Unauthenticated.</summary>
    private async Task<ValidatedToken> RequireSessionAsync(string accessToken, ServerCallContext context) =>
        await tokens.ValidateAsync(accessToken) is { } token && await sessions.IsActiveAsync(token.SessionId, context.CancellationToken)
            ? token
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "the token is not valid"));

    private LoginResponse Pair(UserAccount account, Guid sessionId, string refreshToken) => new()
    {
        AccessToken = tokens.Issue(account.Id.ToString(), account.Username, sessionId),
        TokenType = "Bearer",
        ExpiresIn = (long)tokens.Lifetime.TotalSeconds,
        RefreshToken = refreshToken,
        RefreshExpiresIn = (long)sessionOptions.Value.RefreshLifetime.TotalSeconds,
        SessionId = sessionId.ToString(),
        User = ToContract(account),
    };

    public override async Task<EndedSessionsResponse> EndedSessions(EndedSessionsRequest request, ServerCallContext context)
    {
        if (request.SessionIds.Count > SessionLimits.MaxSessionsPerCheck)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"at most {SessionLimits.MaxSessionsPerCheck} session ids per call"));
        }
        var ids = new HashSet<Guid>();
        var response = new EndedSessionsResponse();
        foreach (var id in request.SessionIds.Distinct(StringComparer.Ordinal))
        {
            if (Guid.TryParse(id, out var sessionId))
            {
                ids.Add(sessionId);
            }
            else
            {
                response.SessionIds.Add(id); // no session id at all is no active session either
            }
        }
        var ended = await sessions.EndedAmongAsync(ids, context.CancellationToken);
        response.SessionIds.AddRange(ended.Select(g => g.ToString()));
        return response;
    }

    public override async Task<LookupUsersResponse> LookupUsers(LookupUsersRequest request, ServerCallContext context)
    {
        if (request.Usernames.Count > MaxLookup)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"at most {MaxLookup} usernames per call"));
        }
        var names = request.Usernames.Select(n => UsernameRules.Normalize(n)).Where(UsernameRules.IsValidUsername).Distinct().ToList();
        var found = names.Count == 0 ? [] : await accounts.FindAsync(names, context.CancellationToken);
        var response = new LookupUsersResponse();
        response.Users.AddRange(found.Select(ToContract));
        return response;
    }

    private static User ToContract(UserAccount account) => new()
    {
        Id = account.Id.ToString(),
        Username = account.Username,
        CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(account.CreatedAt, DateTimeKind.Utc)),
    };

    // Ids, never usernames or passwords: the log is no place for who tried which account.
    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Registered user {UserId}")]
    private static partial void LogRegistered(ILogger logger, Guid userId);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "User {UserId} logged in (session {SessionId})")]
    private static partial void LogLoggedIn(ILogger logger, Guid userId, Guid sessionId);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "A login failed")]
    private static partial void LogLoginFailed(ILogger logger);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "A login was throttled for {Seconds} s")]
    private static partial void LogThrottled(ILogger logger, int seconds);

    [LoggerMessage(EventId = 24, Level = LogLevel.Information, Message = "User {UserId} refreshed session {SessionId}")]
    private static partial void LogRefreshed(ILogger logger, Guid userId, Guid sessionId);

    [LoggerMessage(EventId = 25, Level = LogLevel.Warning, Message = "A rotated refresh token of user {UserId} was presented again: session {SessionId} ended")]
    private static partial void LogReuse(ILogger logger, Guid userId, Guid sessionId);

    [LoggerMessage(EventId = 26, Level = LogLevel.Information, Message = "Session {SessionId} logged out")]
    private static partial void LogLoggedOut(ILogger logger, Guid sessionId);

    [LoggerMessage(EventId = 27, Level = LogLevel.Information, Message = "Session {SessionId} revoked by its user")]
    private static partial void LogRevoked(ILogger logger, Guid sessionId);

    [LoggerMessage(EventId = 28, Level = LogLevel.Information, Message = "User {UserId} changed the password; {Ended} other sessions ended")]
    private static partial void LogPasswordChanged(ILogger logger, Guid userId, int ended);

    [LoggerMessage(EventId = 29, Level = LogLevel.Information, Message = "User {UserId} offered a wrong old password (counted as a failed login)")]
    private static partial void LogPasswordChangeFailed(ILogger logger, Guid userId);
}

using System.Globalization;
using Chat.Contracts.User.V1;
using Chat.Contracts;
using Chat.UserService.Accounts;
using Chat.UserService.Login;
using Chat.UserService.Tokens;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Chat.UserService.Grpc;

/// <summary>user.v1.UserService: registration, login, token validation, lookup.</summary>
public sealed partial class UserGrpcService(AccountStore accounts, TokenService tokens, LoginThrottle throttle, LoginMetrics logins, ILogger<UserGrpcService> logger)
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
        var address = string.IsNullOrEmpty(request.ClientAddress) ? context.Peer : request.ClientAddress;
        if (throttle.RetryAfter(username, address) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            LogThrottled(logger, seconds);
            logins.Throttled();
            throw new RpcException(
                new Status(StatusCode.ResourceExhausted, "too many failed logins; try again later"),
                new Metadata { { GrpcTrailers.RetryAfterSeconds, seconds.ToString(CultureInfo.InvariantCulture) } });
        }
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
        LogLoggedIn(logger, account.Id);
        logins.Succeeded();
        return new LoginResponse
        {
            AccessToken = tokens.Issue(account.Id.ToString(), account.Username),
            TokenType = "Bearer",
            ExpiresIn = (long)tokens.Lifetime.TotalSeconds,
            User = ToContract(account),
        };
    }

    public override async Task<ValidateTokenResponse> ValidateToken(ValidateTokenRequest request, ServerCallContext context)
    {
        var token = await tokens.ValidateAsync(request.Token)
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "the token is not valid"));
        return new ValidateTokenResponse
        {
            UserId = token.UserId,
            Username = token.Username,
            ExpiresAt = Timestamp.FromDateTime(DateTime.SpecifyKind(token.ExpiresAt, DateTimeKind.Utc)),
        };
    }

    public override async Task<LookupUsersResponse> LookupUsers(LookupUsersRequest request, ServerCallContext context)
    {
        if (request.Usernames.Count > MaxLookup)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"at most {MaxLookup} usernames per call"));
        }
        var names = request.Usernames.Select(UsernameRules.Normalize).Where(UsernameRules.IsValidUsername).Distinct().ToList();
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

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "User {UserId} logged in")]
    private static partial void LogLoggedIn(ILogger logger, Guid userId);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "A login failed")]
    private static partial void LogLoginFailed(ILogger logger);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "A login was throttled for {Seconds} s")]
    private static partial void LogThrottled(ILogger logger, int seconds);
}

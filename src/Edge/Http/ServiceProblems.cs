using Chat.Contracts;
using Chat.Edge.Auth;
using Grpc.Core;

namespace Chat.Edge.Http;

/// <summary>
/// The one map from a failed call to UserService or ChatService to the problem+json answer of an
/// HTTP endpoint (PROTOCOL.md, HTTP). A status means the same in every endpoint, except where the
/// call's context, named in <see cref="ProblemContext"/>, decides.
/// </summary>
public static class ServiceProblems
{
    public const string NotAMember = "You are not a member of this group (or may not do this in it).";

    public static IResult For(RpcException e, HttpContext http, ProblemContext context) => e.StatusCode switch
    {
        // Bad input that no retry can fix: the service's own words say which field.
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => Problem(StatusCodes.Status400BadRequest, e.Status.Detail),
        StatusCode.NotFound => Problem(StatusCodes.Status404NotFound, e.Status.Detail),
        StatusCode.AlreadyExists => Problem(StatusCodes.Status409Conflict, e.Status.Detail),
        StatusCode.Unauthenticated => Refused(http, context),
        // Refused though authenticated: a password given again that is wrong is a 401 like a
        // wrong login; anything else is a group the caller is not (enough of) a member of.
        StatusCode.PermissionDenied => context.Credentials.HasFlag(Credentials.Password)
            ? Problem(StatusCodes.Status401Unauthorized, "The old password is wrong.")
            : Problem(StatusCodes.Status403Forbidden, NotAMember),
        StatusCode.ResourceExhausted => TooManyFailures(http, e),
        _ => Problem(StatusCodes.Status503ServiceUnavailable, $"{context.Feature} unavailable right now; try again shortly."),
    };

    /// <summary>
    /// Unauthenticated refuses a credential the call carried: the bearer token (the contract's
    /// 401 with <c>WWW-Authenticate</c>), else the password, else the refresh token. A call that
    /// carried none was refused for the Edge's own reasons: not the client's fault.
    /// </summary>
    private static IResult Refused(HttpContext http, ProblemContext context) => context.Credentials switch
    {
        var c when c.HasFlag(Credentials.AccessToken) => Problems.Unauthenticated(http),
        var c when c.HasFlag(Credentials.Password) => Problem(StatusCodes.Status401Unauthorized, "Wrong username or password."),
        var c when c.HasFlag(Credentials.RefreshToken) => Problem(StatusCodes.Status401Unauthorized, "The refresh token is unknown, expired or of an ended session; log in again."),
        _ => Problem(StatusCodes.Status503ServiceUnavailable, $"{context.Feature} unavailable right now; try again shortly."),
    };

    /// <summary>UserService's throttle (failed logins or old passwords of one username from one address) as a 429 with Retry-After.</summary>
    private static IResult TooManyFailures(HttpContext http, RpcException e)
    {
        var retryAfter = e.Trailers.GetValue(GrpcTrailers.RetryAfterSeconds) ?? "60";
        http.Response.Headers.RetryAfter = retryAfter;
        return Problem(StatusCodes.Status429TooManyRequests, $"Too many failed logins for this username; try again in {retryAfter} s.");
    }

    public static IResult Problem(int status, string detail) => Results.Problem(statusCode: status, detail: detail);
}

/// <summary>What a failed call was about, where that decides its answer.</summary>
/// <param name="Feature">What is unavailable when the service is, for the 503's detail ("Accounts are").</param>
/// <param name="Credentials">The credentials the call carried, which an Unauthenticated or PermissionDenied answer refuses.</param>
public sealed record ProblemContext(string Feature, Credentials Credentials = Credentials.None)
{
    public static readonly ProblemContext Login = new("Accounts are", Credentials.Password);
    public static readonly ProblemContext Registration = new("Accounts are");
    public static readonly ProblemContext Refresh = new("Accounts are", Credentials.RefreshToken);
    public static readonly ProblemContext Session = new("Accounts are", Credentials.AccessToken);
    public static readonly ProblemContext PasswordChange = new("Accounts are", Credentials.AccessToken | Credentials.Password);
    public static readonly ProblemContext Groups = new("Groups are");
    public static readonly ProblemContext History = new("History is");
    public static readonly ProblemContext Conversations = new("Conversations are");
}

/// <summary>Credentials a call passes on to UserService for it to check.</summary>
[Flags]
public enum Credentials
{
    None = 0,
    AccessToken = 1,
    Password = 2,
    RefreshToken = 4,
}

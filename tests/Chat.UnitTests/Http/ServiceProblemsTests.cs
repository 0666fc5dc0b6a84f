using Chat.Contracts;
using Chat.Edge.Http;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Chat.UnitTests.Http;

/// <summary>Every gRPC status, in every context an endpoint names, to its problem+json answer.</summary>
public sealed class ServiceProblemsTests
{
    private const string Detail = "the service's own words";

    public static readonly TheoryData<string> Contexts = new(
        nameof(ProblemContext.Login), nameof(ProblemContext.Registration), nameof(ProblemContext.Refresh),
        nameof(ProblemContext.Session), nameof(ProblemContext.PasswordChange), nameof(ProblemContext.Groups),
        nameof(ProblemContext.History), nameof(ProblemContext.Conversations));

    /// <summary>What a status answers whatever the context: all but Unauthenticated and PermissionDenied.</summary>
    private static readonly Dictionary<StatusCode, int> SameEverywhere = new()
    {
        [StatusCode.OK] = 503,
        [StatusCode.Cancelled] = 503,
        [StatusCode.Unknown] = 503,
        [StatusCode.InvalidArgument] = 400,
        [StatusCode.DeadlineExceeded] = 503,
        [StatusCode.NotFound] = 404,
        [StatusCode.AlreadyExists] = 409,
        [StatusCode.ResourceExhausted] = 429,
        [StatusCode.FailedPrecondition] = 400,
        [StatusCode.Aborted] = 503,
        [StatusCode.OutOfRange] = 400,
        [StatusCode.Unimplemented] = 503,
        [StatusCode.Internal] = 503,
        [StatusCode.Unavailable] = 503,
        [StatusCode.DataLoss] = 503,
    };

    private static ProblemContext Named(string name) =>
        (ProblemContext)typeof(ProblemContext).GetField(name)!.GetValue(null)!;

    private static (ProblemHttpResult Problem, HttpContext Http) Answer(StatusCode status, ProblemContext context, Metadata? trailers = null)
    {
        var http = new DefaultHttpContext();
        var result = ServiceProblems.For(new RpcException(new Status(status, Detail), trailers ?? []), http, context);
        return (Assert.IsType<ProblemHttpResult>(result), http);
    }

    [Fact]
    public void The_table_names_every_status_but_the_two_that_depend_on_the_context()
    {
        Assert.Equal(
            Enum.GetValues<StatusCode>().Except([StatusCode.Unauthenticated, StatusCode.PermissionDenied]).Order(),
            SameEverywhere.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Contexts))]
    public void A_status_means_the_same_in_every_context(string name)
    {
        foreach (var (status, expected) in SameEverywhere)
        {
            var (problem, _) = Answer(status, Named(name));
            Assert.True(expected == problem.StatusCode, $"{status} in {name}: {problem.StatusCode}, expected {expected}");
            if (expected is 400 or 404 or 409)
            {
                Assert.Equal(Detail, problem.ProblemDetails.Detail); // the service names the field or the thing
            }
            if (expected == 503)
            {
                Assert.EndsWith("unavailable right now; try again shortly.", problem.ProblemDetails.Detail, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void The_throttle_answers_429_with_the_services_Retry_After_or_a_minute()
    {
        var (told, toldHttp) = Answer(StatusCode.ResourceExhausted, ProblemContext.Login, new Metadata { { GrpcTrailers.RetryAfterSeconds, "17" } });
        var (untold, untoldHttp) = Answer(StatusCode.ResourceExhausted, ProblemContext.PasswordChange);

        Assert.Equal((429, "17"), (told.StatusCode, toldHttp.Response.Headers.RetryAfter.ToString()));
        Assert.Equal((429, "60"), (untold.StatusCode, untoldHttp.Response.Headers.RetryAfter.ToString()));
    }

    [Theory]
    [InlineData(nameof(ProblemContext.Session), 401, "A valid bearer token is required (Authorization: Bearer TOKEN).")]
    [InlineData(nameof(ProblemContext.PasswordChange), 401, "A valid bearer token is required (Authorization: Bearer TOKEN).")]
    [InlineData(nameof(ProblemContext.Login), 401, "Wrong username or password.")]
    [InlineData(nameof(ProblemContext.Refresh), 401, "The refresh token is unknown, expired or of an ended session; log in again.")]
    [InlineData(nameof(ProblemContext.Registration), 503, "Accounts are unavailable right now; try again shortly.")]
    [InlineData(nameof(ProblemContext.Groups), 503, "Groups are unavailable right now; try again shortly.")]
    [InlineData(nameof(ProblemContext.History), 503, "History is unavailable right now; try again shortly.")]
    [InlineData(nameof(ProblemContext.Conversations), 503, "Conversations are unavailable right now; try again shortly.")]
    public void Unauthenticated_refuses_the_credential_the_call_carried(string name, int expected, string detail)
    {
        var (problem, http) = Answer(StatusCode.Unauthenticated, Named(name));

        Assert.Equal((expected, detail), (problem.StatusCode, problem.ProblemDetails.Detail));
        // Only a refused bearer token asks for one (RFC 6750).
        Assert.Equal(Named(name).Credentials.HasFlag(Credentials.AccessToken), http.Response.Headers.WWWAuthenticate.Count > 0);
    }

    [Theory]
    [InlineData(nameof(ProblemContext.PasswordChange), 401, "The old password is wrong.")]
    [InlineData(nameof(ProblemContext.Login), 401, "The old password is wrong.")]
    [InlineData(nameof(ProblemContext.Session), 403, ServiceProblems.NotAMember)]
    [InlineData(nameof(ProblemContext.Refresh), 403, ServiceProblems.NotAMember)]
    [InlineData(nameof(ProblemContext.Registration), 403, ServiceProblems.NotAMember)]
    [InlineData(nameof(ProblemContext.Groups), 403, ServiceProblems.NotAMember)]
    [InlineData(nameof(ProblemContext.History), 403, ServiceProblems.NotAMember)]
    [InlineData(nameof(ProblemContext.Conversations), 403, ServiceProblems.NotAMember)]
    public void PermissionDenied_is_a_wrong_password_where_one_was_given_else_not_a_member(string name, int expected, string detail)
    {
        var (problem, _) = Answer(StatusCode.PermissionDenied, Named(name));

        Assert.Equal((expected, detail), (problem.StatusCode, problem.ProblemDetails.Detail));
    }
}

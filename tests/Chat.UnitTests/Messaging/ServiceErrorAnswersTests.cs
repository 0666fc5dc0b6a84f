using System.Text.Json;
using Chat.Edge.Messaging;
using Chat.Edge.Protocol;
using Grpc.Core;

namespace Chat.UnitTests.Messaging;

/// <summary>Every gRPC status, for a frame about a user and about a group, to its WebSocket error frame.</summary>
public sealed class ServiceErrorAnswersTests
{
    private const string Detail = "the service's own words";

    private static readonly Dictionary<StatusCode, (string Code, string Message)> Direct = new()
    {
        [StatusCode.OK] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
        [StatusCode.Cancelled] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
        [StatusCode.Unknown] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
        [StatusCode.InvalidArgument] = (ErrorCodes.InvalidFrame, Detail),
        [StatusCode.DeadlineExceeded] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
        [StatusCode.NotFound] = (ErrorCodes.UnknownRecipient, Detail),
        [StatusCode.AlreadyExists] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
        [StatusCode.PermissionDenied] = (ErrorCodes.Forbidden, Detail),
        [StatusCode.ResourceExhausted] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
        [StatusCode.FailedPrecondition] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
        [StatusCode.Aborted] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
        [StatusCode.OutOfRange] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
        [StatusCode.Unimplemented] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
        [StatusCode.Internal] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
        [StatusCode.Unavailable] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
        [StatusCode.DataLoss] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
        [StatusCode.Unauthenticated] = (ErrorCodes.Unavailable, ServiceErrorAnswers.TryAgain),
    };

    /// <summary>As <see cref="Direct"/>, but an unknown group and a group one is not in are the same answer.</summary>
    private static readonly Dictionary<StatusCode, (string Code, string Message)> Group = new(Direct)
    {
        [StatusCode.NotFound] = (ErrorCodes.Forbidden, ServiceErrorAnswers.NotAMember),
        [StatusCode.PermissionDenied] = (ErrorCodes.Forbidden, ServiceErrorAnswers.NotAMember),
    };

    [Fact]
    public void The_tables_name_every_status()
    {
        Assert.Equal(Enum.GetValues<StatusCode>().Order(), Direct.Keys.Order());
        Assert.Equal(Enum.GetValues<StatusCode>().Order(), Group.Keys.Order());
    }

    [Theory]
    [InlineData(ConversationKind.Direct, "c-1")]
    [InlineData(ConversationKind.Direct, null)]
    [InlineData(ConversationKind.Group, "c-2")]
    [InlineData(ConversationKind.Group, null)]
    public void Every_status_answers_its_error_frame_with_the_frames_clientId(ConversationKind conversation, string? clientId)
    {
        var expected = conversation == ConversationKind.Group ? Group : Direct;
        foreach (var (status, (code, message)) in expected)
        {
            var answer = ServiceErrorAnswers.For(new RpcException(new Status(status, Detail)), conversation, clientId);

            using var frame = JsonDocument.Parse(answer.Frame!);
            var root = frame.RootElement;
            Assert.Equal(code, answer.ErrorCode);
            Assert.Equal(
                ("error", code, message, clientId),
                (root.GetProperty("type").GetString(), root.GetProperty("code").GetString(), root.GetProperty("message").GetString(),
                    root.TryGetProperty("clientId", out var id) ? id.GetString() : null));
        }
    }
}

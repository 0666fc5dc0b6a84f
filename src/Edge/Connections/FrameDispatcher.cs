using System.Net.WebSockets;
using Chat.Edge.Protocol;

namespace Chat.Edge.Connections;

/// <summary>
/// Takes one client frame at a time (so a sender's messages are stored in the order it sent
/// them) to its handler: <c>send</c> to the message path, <c>read</c> and <c>typing</c> to the
/// conversation signals, <c>auth</c> to the token's lifetime; and queues the answer. It also keeps
/// the connection's manners: frames beyond the rate are refused unread, and a client that sends
/// nothing but bad frames is closed with 1008.
/// </summary>
public sealed class FrameDispatcher
{
    private readonly string _user;
    private readonly TokenLifetime _lifetime;
    private readonly ConnectionWriter _writer;
    private readonly ConnectionServices _services;
    private readonly TokenBucket _rate;
    private int _consecutiveErrors;

    public FrameDispatcher(string user, TokenLifetime lifetime, ConnectionWriter writer, ConnectionServices services)
    {
        _user = user;
        _lifetime = lifetime;
        _writer = writer;
        _services = services;
        _rate = new TokenBucket(services.Options.MessagesPerSecond, services.Options.Burst, services.Clock);
    }

    /// <summary>Handles one whole frame, as read (its bytes are the reader's, valid only until this returns).</summary>
    public async Task DispatchAsync(WebSocketMessageType type, ReadOnlyMemory<byte> frame, CancellationToken aborted)
    {
        var options = _services.Options;
        var metrics = _services.Metrics;
        if (!_rate.TryTake())
        {
            metrics.FrameReceived("rate_limited");
            metrics.ErrorAnswered(ErrorCodes.RateLimited);
            CountError();
            Reply(ServerFrames.Error(ErrorCodes.RateLimited, $"at most {options.MessagesPerSecond} messages a second (bursts of {options.Burst})", clientId: null), "error");
            return;
        }
        var parsed = type == WebSocketMessageType.Binary
            ? new InvalidFrame(ErrorCodes.InvalidFrame, "binary frames are not supported; send text")
            : _services.Parser.Parse(frame.Span);
        metrics.FrameReceived(parsed switch
        {
            SendFrame => "send",
            ReadFrame => "read",
            TypingFrame => "typing",
            AuthFrame => "auth",
            _ => "invalid",
        });
        var answer = parsed switch
        {
            InvalidFrame invalid => Answer.Error(invalid.Code, invalid.Message, invalid.ClientId),
            SendFrame send => await _services.Sender.SendAsync(_user, send, ReplySent, aborted),
            ReadFrame read => await _services.Signals.ReadAsync(_user, read, aborted),
            TypingFrame typing => await _services.Signals.TypingAsync(_user, typing, aborted),
            AuthFrame auth => await RenewAsync(auth.Token, aborted),
            _ => Answer.Error(ErrorCodes.InvalidFrame, "this frame type is not supported", clientId: null),
        };
        if (answer.ErrorCode is { } code)
        {
            metrics.ErrorAnswered(code);
            CountError();
        }
        else
        {
            _consecutiveErrors = 0;
        }
        if (answer.Frame is { } frameOut)
        {
            Reply(frameOut, answer.IsError ? "error" : "answer");
        }
    }

    /// <param name="type">The frame's type, for the frame counter: sent, answer, error.</param>
    private void Reply(byte[] frame, string type) => _writer.Enqueue(frame, type);

    private void ReplySent(byte[] frame) => Reply(frame, "sent");

    /// <summary>
    /// The <c>auth</c> frame: a newer token of the same user keeps the connection to its expiry.
    /// Answered only when refused; an accepted one is silent (or, close to its own expiry, the
    /// next <c>expiring</c>).
    /// </summary>
    private async Task<Answer> RenewAsync(string token, CancellationToken aborted)
    {
        var check = await _services.Authenticator.AuthenticateTokenAsync(token, aborted);
        if (check.Unavailable)
        {
            return Answer.Error(ErrorCodes.Unavailable, "tokens cannot be checked right now; send it again shortly", clientId: null);
        }
        if (check.User is not { } user)
        {
            return Answer.Error(ErrorCodes.Forbidden, "the token is not valid (expired, forged, or of an ended session)", clientId: null);
        }
        return _lifetime.Renew(user)
            ? Answer.Silent
            : Answer.Error(ErrorCodes.Forbidden, "the token is another user's", clientId: null);
    }

    private void CountError()
    {
        if (++_consecutiveErrors >= _services.Options.MaxConsecutiveErrors)
        {
            ConnectionLog.Abusive(_services.Logger, _user, _consecutiveErrors);
            _writer.RequestClose(WebSocketCloseStatus.PolicyViolation, "too many bad frames");
        }
    }
}

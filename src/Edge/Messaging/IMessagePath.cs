using Chat.Edge.Protocol;

namespace Chat.Edge.Messaging;

/// <summary>
/// Where a connection's send frames go: the real path (<see cref="MessageSender"/>: store, then
/// publish) or, in the relay-only benchmark mode, straight to the recipients.
/// </summary>
public interface IMessagePath
{
    /// <param name="reply">Writes the <c>sent</c> answer to the sending connection.</param>
    Task<Answer> SendAsync(string sender, SendFrame frame, Action<byte[]> reply, CancellationToken aborted);
}

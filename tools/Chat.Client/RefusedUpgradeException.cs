using System.Net;
using System.Net.WebSockets;

namespace Chat.Client;

/// <summary>The server answered the upgrade with an HTTP status instead of a WebSocket (401, 503...).</summary>
public sealed class RefusedUpgradeException(HttpStatusCode status, WebSocketException inner)
    : Exception($"The WebSocket upgrade was refused with {(int)status} {status}.", inner)
{
    public HttpStatusCode Status { get; } = status;
}

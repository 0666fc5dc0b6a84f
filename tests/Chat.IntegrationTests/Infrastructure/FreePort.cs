using System.Net;
using System.Net.Sockets;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>Loopback ports nobody listens on, for the servers a test starts.</summary>
public static class FreePort
{
    /// <summary>
    /// Asks the kernel for an unused port and releases it. Another process could take it before
    /// the server binds it; on a test machine that race is rare enough, and the server then fails
    /// loudly at start rather than silently.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Globalization;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Gateway;

/// <summary>A real Edge process with the real gateway in front of it, shared by a test class.</summary>
public sealed class EdgeBehindGateway : IAsyncLifetime
{
    public ServiceProcess Edge { get; private set; } = null!;

    public NginxServer Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // The Edge needs the internal services' addresses to start; these tests call neither.
        static string Nowhere() => "http://127.0.0.1:" + FreePort.Next().ToString(CultureInfo.InvariantCulture);
        Edge = await ServiceProcess.StartEdgeAsync(new Dictionary<string, string?>
        {
            ["Services__UserService"] = Nowhere(),
            ["Services__ChatService"] = Nowhere(),
        });
        Gateway = await NginxServer.StartAsync([Edge.Address]);
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Edge.DisposeAsync();
    }
}

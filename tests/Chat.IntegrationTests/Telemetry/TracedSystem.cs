using Chat.IntegrationTests.ScaleOut;

namespace Chat.IntegrationTests.Telemetry;

/// <summary>
/// Two Edge replicas on one Redis, ChatService and UserService, every one of them exporting its
/// spans to one <see cref="OtlpReceiver"/>, started first so that nothing is exported into the void.
/// </summary>
public sealed class TracedSystem : ScaleOutSystem
{
    public TracedSystem()
    {
        Receiver = OtlpReceiver.Start();
        foreach (var (key, value) in Receiver.ExporterSettings)
        {
            UserSettings[key] = value;
            ChatSettings[key] = value;
            EdgeSettings[key] = value;
        }
    }

    public OtlpReceiver Receiver { get; }
}

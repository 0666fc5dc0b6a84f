namespace Chat.Edge.Realtime.Frames;

/// <summary>The frame that answers one client frame, and whether it is an error.</summary>
public readonly record struct Answer(byte[] Frame, bool IsError)
{
    public static Answer Ok(byte[] frame) => new(frame, false);

    public static Answer Error(string code, string message, string? clientId) =>
        new(ServerFrames.Error(code, message, clientId), true);
}

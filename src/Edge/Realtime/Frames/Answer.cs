namespace Chat.Edge.Realtime.Frames;

/// <summary>The frame that answers one client frame (none for receipts and typing), and whether it is an error.</summary>
public readonly record struct Answer(byte[]? Frame, bool IsError)
{
    /// <summary>Done, and nothing to say back (the contract acknowledges neither receipts nor typing).</summary>
    public static readonly Answer Silent = new(null, false);

    public static Answer Ok(byte[] frame) => new(frame, false);

    public static Answer Error(string code, string message, string? clientId) =>
        new(ServerFrames.Error(code, message, clientId), true);
}

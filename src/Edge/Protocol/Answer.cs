namespace Chat.Edge.Protocol;

/// <summary>
/// The frame that answers one client frame (none for receipts and typing), and for an error its
/// code (one of <see cref="ErrorCodes"/>), which the error counter is labelled with.
/// </summary>
public readonly record struct Answer(byte[]? Frame, string? ErrorCode)
{
    /// <summary>Done, and nothing to say back (the contract acknowledges neither receipts nor typing).</summary>
    public static readonly Answer Silent = new(null, null);

    public bool IsError => ErrorCode is not null;

    public static Answer Ok(byte[] frame) => new(frame, null);

    public static Answer Error(string code, string message, string? clientId) =>
        new(ServerFrames.Error(code, message, clientId), code);
}

namespace Chat.Client;

/// <summary>A frame arrived that the caller said should not (another type, or any frame during a silence).</summary>
public sealed class UnexpectedFrameException(string message) : Exception(message);

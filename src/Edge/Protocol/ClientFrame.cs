namespace Chat.Edge.Protocol;

/// <summary>What a client asked for in one text frame, after parsing.</summary>
public abstract record ClientFrame;

/// <summary>
/// A message to a user (<see cref="To"/>) or a group (<see cref="Group"/>); exactly one is set.
/// </summary>
public sealed record SendFrame(string? To, string? Group, string Text, string? ClientId) : ClientFrame;

/// <summary>A read receipt: everything in the conversation up to <see cref="UpTo"/> was read.</summary>
public sealed record ReadFrame(string? With, string? Group, string UpTo) : ClientFrame;

/// <summary>"I am typing" in a conversation; forwarded, never stored.</summary>
public sealed record TypingFrame(string? To, string? Group) : ClientFrame;

/// <summary>A newer access token for the connection to live on (same user only).</summary>
public sealed record AuthFrame(string Token) : ClientFrame;

/// <summary>A frame that could not be understood; answered with an error, never thrown.</summary>
public sealed record InvalidFrame(string Code, string Message, string? ClientId = null) : ClientFrame;

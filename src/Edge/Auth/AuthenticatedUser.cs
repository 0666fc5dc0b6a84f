namespace Chat.Edge.Auth;

/// <summary>A user proven by a valid token of one of their sessions.</summary>
public sealed record AuthenticatedUser(string Id, string Username, DateTime ExpiresAt, string SessionId);

namespace Chat.Contracts;

/// <summary>What UserService and the Edge both know of the session checks between them.</summary>
public static class SessionLimits
{
    /// <summary>
    /// Session ids per <c>EndedSessions</c> call: the Edge asks in chunks of this many, UserService
    /// refuses more. One indexed lookup of this many primary keys stays a cheap query.
    /// </summary>
    public const int MaxSessionsPerCheck = 1000;
}

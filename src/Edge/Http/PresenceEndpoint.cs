using Chat.Contracts;
using Chat.Edge.Messaging;
using Chat.Edge.Presence;
using Chat.Edge.Protocol;

namespace Chat.Edge.Http;

/// <summary>
/// <c>GET /api/presence?users=a,b</c> → <c>{"presence":[{"username","online","lastSeen"}]}</c>, in the
/// order asked, duplicates once (PROTOCOL.md, "Presence"). Unknown usernames are simply offline
/// and never seen: presence does not reveal who has an account.
/// </summary>
public static class PresenceEndpoint
{
    /// <summary>Most users one request may ask about.</summary>
    public const int MaxUsers = 100;

    public static WebApplication MapPresence(this WebApplication app)
    {
        app.MapGet("/api/presence", HandleAsync).RequireAuthorization();
        return app;
    }

    private static async Task<IResult> HandleAsync(IPresence presence, string? users)
    {
        var names = (users ?? "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(n => UsernameRules.Normalize(n))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (names.Count == 0)
        {
            return BadRequest("Name the users, comma-separated: ?users=alice,bob");
        }
        if (names.Count > MaxUsers)
        {
            return BadRequest($"At most {MaxUsers} users per request.");
        }
        if (!names.TrueForAll(UsernameRules.IsValidUsername))
        {
            return BadRequest("`users` must list usernames (3–32 of a-z 0-9 _ . -).");
        }
        try
        {
            var found = await presence.GetAsync(names);
            return Results.Json(new PresencePage([.. found.Select(p => new PresenceEntry(
                p.Username, p.Online, p.LastSeen is { } seen ? ServerFrames.FormatTime(seen) : null))]));
        }
        catch (PresenceUnavailableException)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable",
                detail: "Presence cannot be read right now; try again shortly.");
        }
    }

    private static IResult BadRequest(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad Request", detail: detail);

    private sealed record PresencePage(IReadOnlyList<PresenceEntry> Presence);

    private sealed record PresenceEntry(string Username, bool Online, string? LastSeen);
}

using Microsoft.AspNetCore.Routing.Patterns;

namespace Chat.Edge.Http;

/// <summary>
/// The one spelling of a path the Edge answers (issue 20, doors). Routing matches case-insensitively,
/// ignores a trailing slash and decodes percent-encoding, while the gateway's limits match the
/// spelling it sees: any other spelling of a limited path would dodge them. So a request is
/// answered only when its raw target, as the client sent it, is the route's own spelling: every
/// literal segment exactly as routed (lower-case, not percent-encoded), no empty segment (no
/// trailing or doubled slash), no dot segment. Parameter segments may be percent-encoded: no
/// limit is keyed on them, and their decoded values are checked by the endpoints themselves.
/// </summary>
public static class CanonicalPath
{
    /// <summary>
    /// Whether <paramref name="rawTarget"/> (the request line's target, query included) is the
    /// canonical spelling of <paramref name="route"/>; without a route (nothing is routed there)
    /// only the shape is checked, so every malformed path gets the same answer.
    /// </summary>
    public static bool IsCanonical(string rawTarget, RoutePattern? route)
    {
        if (PathOf(rawTarget) is not { } path)
        {
            return false;
        }
        if (path == "/")
        {
            return true;
        }
        var segments = path[1..].Split('/');
        if (segments.Any(s => s is "" or "." or ".."))
        {
            return false;
        }
        if (route is null)
        {
            return true;
        }
        if (segments.Length != route.PathSegments.Count)
        {
            return route.PathSegments.Any(s => s.Parts.Any(p => p is RoutePatternParameterPart { IsCatchAll: true }));
        }
        for (var i = 0; i < segments.Length; i++)
        {
            if (route.PathSegments[i] is { IsSimple: true, Parts: [RoutePatternLiteralPart literal] }
                && !string.Equals(segments[i], literal.Content, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The path of an origin-form (<c>/a/b?q</c>) or absolute-form (<c>http://host/a/b?q</c>) target; null for any other form.</summary>
    private static string? PathOf(string rawTarget)
    {
        var end = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var target = end < 0 ? rawTarget : rawTarget[..end];
        if (target.StartsWith('/'))
        {
            return target;
        }
        var scheme = target.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0)
        {
            return null;
        }
        var pathStart = target.IndexOf('/', scheme + 3);
        return pathStart < 0 ? "/" : target[pathStart..];
    }
}

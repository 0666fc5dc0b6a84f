using Chat.Contracts;
using Chat.Contracts.User.V1;
using Chat.Edge.Caching;
using Microsoft.Extensions.Caching.Memory;

namespace Chat.Edge.Messaging;

/// <summary>
/// Answers "does this user exist?" for senders and the history API. Answers are cached in memory
/// and in the cache the replicas share: a user who exists keeps existing (accounts are not
/// deleted), so yes is cached long; no is cached briefly, because the name may be registered any
/// moment.
/// </summary>
public sealed class RecipientDirectory(UserService.UserServiceClient users, IMemoryCache memory, ISharedCache shared)
{
    private static readonly TimeSpan KnownFor = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan UnknownFor = TimeSpan.FromSeconds(5);

    private readonly TieredCache<Existence> _cache = new(memory, shared, "user", e => e.Exists ? "1" : "0", Existence.Parse);

    /// <summary>True when the user exists. Throws <see cref="Grpc.Core.RpcException"/> when UserService cannot answer.</summary>
    public async ValueTask<bool> ExistsAsync(string username, CancellationToken cancellationToken)
    {
        if (!UsernameRules.IsValidUsername(username))
        {
            return false; // cannot have been registered: no need to ask
        }
        if (await _cache.GetAsync(username) is { } known)
        {
            return known.Exists;
        }
        var response = await users.LookupUsersAsync(
            new LookupUsersRequest { Usernames = { username } },
            cancellationToken: cancellationToken);
        var exists = response.Users.Any(u => u.Username == username);
        await _cache.SetAsync(username, exists ? Existence.Yes : Existence.No, exists ? KnownFor : UnknownFor);
        return exists;
    }

    private sealed record Existence(bool Exists)
    {
        public static readonly Existence Yes = new(true);
        public static readonly Existence No = new(false);

        public static Existence? Parse(string text) => text switch
        {
            "1" => Yes,
            "0" => No,
            _ => null,
        };
    }
}

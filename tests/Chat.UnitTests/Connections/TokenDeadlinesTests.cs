using Chat.Edge.Auth;
using Chat.Edge.Connections;
using Microsoft.Extensions.Time.Testing;

namespace Chat.UnitTests.Connections;

public sealed class TokenDeadlinesTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly TokenDeadlines _deadlines;

    public TokenDeadlinesTests() => _deadlines = new TokenDeadlines(_clock);

    public void Dispose() => _deadlines.Dispose();

    /// <summary>One connection's token, and when it was warned and ended (seconds from the start).</summary>
    private sealed class Connection(int index) : ITokenLifetimeEvents
    {
        public int Index { get; } = index;
        public TokenLifetime? Lifetime { get; set; }
        public int ExpiresAt { get; set; }
        public int? RenewedAt { get; set; }
        public int? ClosedAt { get; set; }
        public List<int> Warnings { get; } = [];
        public List<int> Expiries { get; } = [];
        public Func<int> Now { get; init; } = () => 0;

        void ITokenLifetimeEvents.Expiring(int secondsLeft) => Warnings.Add(Now());

        void ITokenLifetimeEvents.Expired() => Expiries.Add(Now());
    }

    private int SecondsSinceStart() => (int)(_clock.GetUtcNow() - Start).TotalSeconds;

    private AuthenticatedUser Token(int index, int expiresAtSecond) =>
        new($"u{index}", $"user{index}", Start.UtcDateTime.AddSeconds(expiresAtSecond), $"session-{index}");

    [Fact]
    public void Many_connections_are_each_warned_and_ended_at_their_own_moment_whatever_the_order_they_came_renewed_or_closed()
    {
        var random = new Random(22);
        var connections = Enumerable.Range(0, 300)
            .Select(i => new Connection(i) { Now = SecondsSinceStart, ExpiresAt = random.Next(1, 2 * 3600) })
            .ToList();
        foreach (var connection in connections)
        {
            connection.Lifetime = new TokenLifetime(Token(connection.Index, connection.ExpiresAt), _deadlines, connection);
            connection.Lifetime.Start();
        }
        Assert.Equal(300, _deadlines.Count);

        // A third renewed later on (each at its own second, before or after its warning), a
        // sixth closed at a random second, the rest left to expire.
        var renewals = connections.Where(c => c.Index % 3 == 1).ToLookup(c => random.Next(0, c.ExpiresAt));
        var closes = connections.Where(c => c.Index % 6 == 2).ToLookup(_ => random.Next(0, 2 * 3600));
        var renewedExpiries = connections.ToDictionary(c => c.Index, c => c.ExpiresAt + random.Next(1, 3600));

        for (var second = 0; second <= 3 * 3600; second++)
        {
            foreach (var connection in renewals[second])
            {
                connection.ExpiresAt = renewedExpiries[connection.Index];
                Assert.True(connection.Lifetime!.Renew(Token(connection.Index, connection.ExpiresAt)));
                connection.RenewedAt = second;
                connection.Warnings.Clear(); // a renewal after the warning warns again before the new expiry
            }
            foreach (var connection in closes[second].Where(c => c.Expiries.Count == 0))
            {
                connection.Lifetime!.Dispose();
                connection.ClosedAt = second;
            }
            _clock.Advance(TimeSpan.Zero); // what is due at once (a token renewed with less than a minute left)
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        foreach (var connection in connections)
        {
            var warnedAt = Math.Max(connection.RenewedAt ?? 0, connection.ExpiresAt - 60);
            if (connection.ClosedAt is { } closed)
            {
                Assert.Empty(connection.Expiries);
                int[] warned = warnedAt <= closed ? [warnedAt] : [];
                Assert.Equal(warned, connection.Warnings);
                continue;
            }
            Assert.Equal([warnedAt], connection.Warnings);
            Assert.Equal([connection.ExpiresAt], connection.Expiries);
            connection.Lifetime!.Dispose();
        }
        Assert.Equal(0, _deadlines.Count);
    }

    [Fact]
    public void A_renewal_moves_a_connection_behind_one_that_expires_sooner()
    {
        var first = new Connection(1) { Now = SecondsSinceStart };
        var second = new Connection(2) { Now = SecondsSinceStart };
        using var early = new TokenLifetime(Token(1, 200), _deadlines, first);
        using var late = new TokenLifetime(Token(2, 300), _deadlines, second);
        early.Start();
        late.Start();

        Assert.True(early.Renew(Token(1, 400)));
        _clock.Advance(TimeSpan.FromSeconds(240));
        Assert.Empty(first.Warnings);
        Assert.Equal([240], second.Warnings);

        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal([300], second.Expiries);
        Assert.Empty(first.Warnings);
        _clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal([340], first.Warnings);
        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal([400], first.Expiries);
    }
}

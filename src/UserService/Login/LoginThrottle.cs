using System.Collections.Concurrent;

namespace Chat.UserService.Login;

/// <summary>
/// Counts failed logins per (username, client address) in a sliding window; once a pair reaches
/// the limit, further attempts are refused until the oldest failure leaves the window. A success
/// clears the pair. Kept in memory: each UserService replica throttles on its own, which bounds a
/// guesser to limit × replicas attempts per window (see docs/users.md).
/// </summary>
public sealed class LoginThrottle(LoginThrottleOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<(string User, string Address), Queue<DateTime>> _failures = new();

    /// <summary>How long the caller must wait, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(string username, string address)
    {
        if (!_failures.TryGetValue((username, address), out var failures))
        {
            return null;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        lock (failures)
        {
            Expire(failures, now);
            return failures.Count >= options.MaxFailures ? failures.Peek() + options.Window - now : null;
        }
    }

    public void Failed(string username, string address)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var failures = _failures.GetOrAdd((username, address), _ => new Queue<DateTime>());
        lock (failures)
        {
            Expire(failures, now);
            failures.Enqueue(now);
        }
        if (_failures.Count > options.MaxTrackedPairs)
        {
            Sweep(now);
        }
    }

    public void Succeeded(string username, string address) => _failures.TryRemove((username, address), out _);

    private void Expire(Queue<DateTime> failures, DateTime now)
    {
        while (failures.Count > 0 && failures.Peek() + options.Window <= now)
        {
            failures.Dequeue();
        }
    }

    // Bounds memory under a spray of usernames: pairs whose failures all expired are dropped.
    private void Sweep(DateTime now)
    {
        foreach (var (key, failures) in _failures)
        {
            lock (failures)
            {
                Expire(failures, now);
                if (failures.Count == 0)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }
    }
}

public sealed class LoginThrottleOptions
{
    public const string Section = "LoginThrottle";

    /// <summary>Failures of one username from one address before logins are refused.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)]
    public int MaxFailures { get; set; } = 10;

    /// <summary>How long a failure counts.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Pairs tracked before expired ones are swept.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)]
    public int MaxTrackedPairs { get; set; } = 100_000;
}

namespace Chat.Edge.Connections;

/// <summary>
/// One timer for the token deadlines of every connection on the replica: each
/// <see cref="TokenLifetime"/> has at most one moment here (its next warning or its expiry), and
/// is called at it. A timer per connection cost about 360 bytes of every idle connection (the
/// timer's four objects, its callback, and the two callbacks it led to); here a connection costs
/// one slot of an array (docs/benchmarks.md, "An idle connection, fourth part").
/// </summary>
/// <remarks>
/// A binary min-heap of the lifetimes by due time, each lifetime knowing its own slot, so that a
/// renewal moves it and a closed connection leaves it in O(log n) without a search, and nothing is
/// allocated per connection. The timer is set for the earliest moment; when it fires, every
/// lifetime due by then is taken off and called outside the lock.
/// </remarks>
public sealed class TokenDeadlines : IDisposable
{
    private const int FirstCapacity = 64;

    private readonly TimeProvider _clock;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private TokenLifetime[] _heap = new TokenLifetime[FirstCapacity];
    private int _count;

    // The moment the timer is set for (UTC ticks), long.MaxValue when it is not set.
    private long _timerDue = long.MaxValue;

    public TokenDeadlines(TimeProvider clock)
    {
        _clock = clock;
        _timer = clock.CreateTimer(_ => CallDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The lifetimes waiting for a moment (for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>The current time, by the clock the deadlines keep.</summary>
    public DateTime UtcNow => _clock.GetUtcNow().UtcDateTime;

    /// <summary>Sets when <paramref name="lifetime"/> is called next, replacing any moment it had.</summary>
    public void Schedule(TokenLifetime lifetime, DateTime dueUtc)
    {
        lock (_gate)
        {
            lifetime.DeadlineTicks = dueUtc.Ticks;
            if (lifetime.DeadlineSlot < 0)
            {
                if (_count == _heap.Length)
                {
                    Array.Resize(ref _heap, _heap.Length * 2);
                }
                Place(lifetime, _count++);
            }
            Restore(lifetime.DeadlineSlot);
            SetTimerLocked();
        }
    }

    /// <summary>Takes <paramref name="lifetime"/>'s moment away, if it has one.</summary>
    public void Cancel(TokenLifetime lifetime)
    {
        lock (_gate)
        {
            if (lifetime.DeadlineSlot >= 0)
            {
                RemoveAt(lifetime.DeadlineSlot);
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    private void CallDue()
    {
        List<TokenLifetime>? due = null;
        lock (_gate)
        {
            _timerDue = long.MaxValue;
            var now = UtcNow.Ticks;
            while (_count > 0 && _heap[0].DeadlineTicks <= now)
            {
                (due ??= []).Add(_heap[0]);
                RemoveAt(0);
            }
            SetTimerLocked();
        }
        // Outside the lock: a lifetime that is called schedules its next moment here.
        foreach (var lifetime in due ?? [])
        {
            lifetime.DeadlineReached();
        }
    }

    private void SetTimerLocked()
    {
        if (_count == 0)
        {
            return; // a timer set for a moment nobody has any more fires and finds nothing due
        }
        var first = _heap[0].DeadlineTicks;
        if (first >= _timerDue)
        {
            return;
        }
        _timerDue = first;
        var wait = TimeSpan.FromTicks(Math.Max(0, first - UtcNow.Ticks));
        _timer.Change(wait, Timeout.InfiniteTimeSpan);
    }

    private void RemoveAt(int slot)
    {
        var leaving = _heap[slot];
        var last = _heap[--_count];
        _heap[_count] = null!;
        leaving.DeadlineSlot = -1;
        if (slot < _count)
        {
            Place(last, slot);
            Restore(slot);
        }
    }

    /// <summary>Moves the lifetime at <paramref name="slot"/> up or down until the heap is ordered again.</summary>
    private void Restore(int slot)
    {
        var item = _heap[slot];
        while (slot > 0)
        {
            var parent = (slot - 1) / 2;
            if (_heap[parent].DeadlineTicks <= item.DeadlineTicks)
            {
                break;
            }
            Place(_heap[parent], slot);
            slot = parent;
        }
        while (true)
        {
            var child = 2 * slot + 1;
            if (child >= _count)
            {
                break;
            }
            if (child + 1 < _count && _heap[child + 1].DeadlineTicks < _heap[child].DeadlineTicks)
            {
                child++;
            }
            if (_heap[child].DeadlineTicks >= item.DeadlineTicks)
            {
                break;
            }
            Place(_heap[child], slot);
            slot = child;
        }
        Place(item, slot);
    }

    private void Place(TokenLifetime lifetime, int slot)
    {
        _heap[slot] = lifetime;
        lifetime.DeadlineSlot = slot;
    }
}

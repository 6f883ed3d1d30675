namespace ZlhGrind.ServiceDefaults;

/// <summary>
/// A token bucket on an injected clock: up to <c>capacity</c> tokens at once, refilled by <c>tokensPerPeriod</c> every
/// <c>period</c> (continuously, not in steps). Not thread-safe: its owner (a grain, one socket) calls it one at a time.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly int _tokensPerPeriod;
    private readonly TimeSpan _period;
    private double _tokens;
    private DateTimeOffset _refilledAt;

    /// <summary>Up to <paramref name="burst"/> calls at once, then one more per <paramref name="refillEvery"/>.</summary>
    public TokenBucket(TimeProvider time, int burst, TimeSpan refillEvery)
        : this(time, burst, 1, refillEvery)
    {
    }

    /// <summary>Up to <paramref name="capacity"/> tokens at once, <paramref name="tokensPerPeriod"/> more per <paramref name="period"/>.</summary>
    public TokenBucket(TimeProvider time, int capacity, int tokensPerPeriod, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokensPerPeriod);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        _time = time;
        _capacity = capacity;
        _tokensPerPeriod = tokensPerPeriod;
        _period = period;
        _tokens = capacity;
        _refilledAt = time.GetUtcNow();
    }

    /// <summary>Takes one token; false when none is left.</summary>
    public bool TryTake() => TryTake(1);

    /// <summary>Takes <paramref name="count"/> tokens at once; false (and nothing taken) when fewer are left.</summary>
    public bool TryTake(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var now = _time.GetUtcNow();
        if (now > _refilledAt)
        {
            _tokens = Math.Min(_capacity, _tokens + ((now - _refilledAt) / _period * _tokensPerPeriod));
            _refilledAt = now;
        }

        if (_tokens < count)
        {
            return false;
        }

        _tokens -= count;
        return true;
    }
}

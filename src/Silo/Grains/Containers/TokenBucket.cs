namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>
/// A token bucket on the grain clock: up to <c>burst</c> calls at once, then one more per <c>refillEvery</c>.
/// Lives in the grain's memory, so each agent has its own and one agent's flood costs no other agent anything.
/// </summary>
internal sealed class TokenBucket(TimeProvider time, int burst, TimeSpan refillEvery)
{
    private double _tokens = burst;
    private DateTimeOffset _refilledAt = time.GetUtcNow();

    /// <summary>Takes a token; false when none is left.</summary>
    public bool TryTake()
    {
        var now = time.GetUtcNow();
        if (now > _refilledAt)
        {
            _tokens = Math.Min(burst, _tokens + ((now - _refilledAt) / refillEvery));
            _refilledAt = now;
        }

        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}

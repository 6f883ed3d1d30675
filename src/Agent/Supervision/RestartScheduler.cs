namespace ZlhGrind.Agent.Supervision;

/// <summary>
/// The one pending backoff restart of a supervisor, on a <see cref="TimeProvider"/> timer. Every arm starts a new
/// epoch, so a timer that fires after it was disarmed or replaced claims nothing. Not thread-safe: the supervisor
/// calls it under its gate; <paramref name="restart"/> runs outside it and must take the gate itself.
/// </summary>
internal sealed class RestartScheduler(TimeProvider time, Func<long, Task> restart)
{
    private ITimer? _timer;
    private long _epoch;

    /// <summary>When the pending restart fires (kept across a detach, so a next agent can restore it).</summary>
    public DateTimeOffset? RestartAt { get; private set; }

    /// <summary>Schedules the restart after <paramref name="delay"/>, replacing any pending one.</summary>
    public void Arm(TimeSpan delay)
    {
        Disarm(keepDeadline: false);
        var epoch = ++_epoch;
        RestartAt = time.GetUtcNow() + delay;
        _timer = time.CreateTimer(_ => _ = restart(epoch), null, delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Cancels the pending restart; <paramref name="keepDeadline"/> keeps <see cref="RestartAt"/> for the state file.</summary>
    public void Disarm(bool keepDeadline)
    {
        _epoch++;
        _timer?.Dispose();
        _timer = null;
        if (!keepDeadline)
        {
            RestartAt = null;
        }
    }

    /// <summary>Restores a deadline a previous agent persisted, without arming it.</summary>
    public void Restore(DateTimeOffset? restartAt) => RestartAt = restartAt;

    /// <summary>True when <paramref name="epoch"/> is still the pending restart; it is then no longer pending.</summary>
    public bool TryClaim(long epoch)
    {
        if (epoch != _epoch)
        {
            return false;
        }

        _timer?.Dispose();
        _timer = null;
        RestartAt = null;
        return true;
    }
}

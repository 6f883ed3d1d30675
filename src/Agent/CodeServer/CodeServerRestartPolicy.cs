namespace ZlhGrind.Agent.CodeServer;

/// <summary>What to do after code-server exited unexpectedly.</summary>
internal sealed record RestartDecision(bool GiveUp, TimeSpan Delay, DateTimeOffset? RestartAt, int ConsecutiveCrashes, TimeSpan Uptime);

/// <summary>
/// The crash backoff: 30 s → 60 s → 120 s (then 120 s), the counter reset by a run of at least 30 s, and
/// Failed at the 4th consecutive short-lived crash. Reads the time only through <see cref="TimeProvider"/>.
/// Not thread-safe: the supervisor calls it under its own lock.
/// </summary>
internal sealed class CodeServerRestartPolicy(CodeServerRestartOptions options, TimeProvider timeProvider)
{
    private DateTimeOffset? _startedAt;

    public int ConsecutiveCrashes { get; private set; }

    public void OnStarted() => _startedAt = timeProvider.GetUtcNow();

    /// <summary>A user start or an explicit restart forgives earlier crashes.</summary>
    public void Reset() => ConsecutiveCrashes = 0;

    public RestartDecision OnCrashed()
    {
        var now = timeProvider.GetUtcNow();
        var uptime = _startedAt is { } started ? now - started : TimeSpan.Zero;
        _startedAt = null;
        if (uptime >= options.ResetAfterUptime)
        {
            ConsecutiveCrashes = 0;
        }

        ConsecutiveCrashes++;
        if (ConsecutiveCrashes >= options.MaxConsecutiveCrashes)
        {
            return new RestartDecision(true, TimeSpan.Zero, null, ConsecutiveCrashes, uptime);
        }

        var delay = options.InitialDelay;
        for (var i = 1; i < ConsecutiveCrashes && delay < options.MaxDelay; i++)
        {
            delay += delay;
        }

        if (delay > options.MaxDelay)
        {
            delay = options.MaxDelay;
        }

        return new RestartDecision(false, delay, now + delay, ConsecutiveCrashes, uptime);
    }
}

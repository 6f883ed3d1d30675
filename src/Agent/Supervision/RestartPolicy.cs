namespace ZlhGrind.Agent.Supervision;

/// <summary>
/// The one restart policy of game servers and code-server (DESIGN §5): 30 s → 60 s → 120 s → 120 s… by default,
/// the counter reset by a run of at least <see cref="RestartPolicyOptions.StableUptime"/>, and giving up at the
/// <see cref="RestartPolicyOptions.MaxConsecutiveCrashes"/>th consecutive short-lived crash. Reads the time only
/// through <see cref="TimeProvider"/>. Not thread-safe: the supervisor calls it under its gate.
/// </summary>
internal sealed class RestartPolicy(RestartPolicyOptions options, TimeProvider time)
{
    private readonly IReadOnlyList<TimeSpan> _backoff = options.EffectiveBackoff;
    private DateTimeOffset? _startedAt;

    public int ConsecutiveCrashes { get; private set; }

    /// <summary>A run begins now.</summary>
    public void OnStarted() => _startedAt = time.GetUtcNow();

    /// <summary>A run began at <paramref name="startedAt"/> (a server a previous agent started).</summary>
    public void OnStarted(DateTimeOffset startedAt) => _startedAt = startedAt;

    /// <summary>
    /// Decides what follows the crash of the current run; <paramref name="giveUpAtOnce"/> for a crash a restart
    /// cannot fix (still counted); <paramref name="mayBeStable"/> false for a run that never became ready, which
    /// does not reset the counter however long it lasted.
    /// </summary>
    public RestartDecision OnCrashed(bool giveUpAtOnce = false, bool mayBeStable = true, DateTimeOffset? crashedAt = null)
    {
        // A crash that happened while no agent watched counts from when it happened, not from when it was learnt.
        var now = crashedAt ?? time.GetUtcNow();
        var uptime = _startedAt is { } started && now > started ? now - started : TimeSpan.Zero;
        _startedAt = null;
        if (mayBeStable && uptime >= options.StableUptime)
        {
            ConsecutiveCrashes = 0;
        }

        ConsecutiveCrashes++;
        if (giveUpAtOnce || ConsecutiveCrashes >= options.MaxConsecutiveCrashes)
        {
            return new RestartDecision(true, TimeSpan.Zero, null, ConsecutiveCrashes, uptime);
        }

        var delay = _backoff[Math.Min(ConsecutiveCrashes, _backoff.Count) - 1];
        return new RestartDecision(false, delay, now + delay, ConsecutiveCrashes, uptime);
    }

    /// <summary>A user start forgives earlier crashes: giving up lasts only until the user starts again.</summary>
    public void Reset() => ConsecutiveCrashes = 0;

    /// <summary>Restores the counter a previous agent persisted.</summary>
    public void Restore(int consecutiveCrashes) => ConsecutiveCrashes = Math.Max(0, consecutiveCrashes);
}

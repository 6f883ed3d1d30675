namespace ZlhGrind.Agent.Supervision;

/// <summary>What follows a crash: restart after <see cref="Delay"/> (at <see cref="RestartAt"/>), or give up.</summary>
internal sealed record RestartDecision(bool GiveUp, TimeSpan Delay, DateTimeOffset? RestartAt, int ConsecutiveCrashes, TimeSpan Uptime)
{
    /// <summary>The delay, or null when the policy gave up.</summary>
    public TimeSpan? RestartDelay => GiveUp ? null : Delay;
}

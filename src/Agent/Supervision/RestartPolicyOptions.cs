namespace ZlhGrind.Agent.Supervision;

/// <summary>
/// The numbers of <see cref="RestartPolicy"/>, one shape for game servers (<c>Agent:Supervision</c>) and code-server
/// (<c>Agent:CodeServer:Restart</c>): <c>Backoff:N</c>, <c>StableUptime</c>, <c>MaxConsecutiveCrashes</c>.
/// </summary>
internal abstract class RestartPolicyOptions
{
    /// <summary>Restart delays after the 1st, 2nd, 3rd… consecutive crash; the last repeats.</summary>
    public IList<TimeSpan> Backoff { get; } = [];

    /// <summary>A run at least this long resets the consecutive-crash counter.</summary>
    public TimeSpan StableUptime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The consecutive short-lived crash that ends restarting until a user starts again.</summary>
    public int MaxConsecutiveCrashes { get; set; } = 4;

    /// <summary>The backoff steps in effect: the configured ones, or the defaults of this section.</summary>
    public IReadOnlyList<TimeSpan> EffectiveBackoff => Backoff.Count > 0 ? [.. Backoff] : DefaultBackoff();

    /// <summary>30 s, 60 s, 120 s unless a section keeps an older way to say it.</summary>
    protected virtual IReadOnlyList<TimeSpan> DefaultBackoff() =>
        [TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120)];
}

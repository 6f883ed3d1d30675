using ZlhGrind.Agent.Supervision;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>
/// Crash backoff for code-server (section <c>Agent:CodeServer:Restart</c>): the shared restart-policy shape with the
/// game-server numbers — 30 s, 60 s, 120 s, then 120 s; reset after 30 s of uptime; give up at the 4th short-lived crash.
/// The older keys still work: without <c>Backoff:N</c> the delay starts at <see cref="InitialDelay"/> and doubles up to
/// <see cref="MaxDelay"/>, and <see cref="ResetAfterUptime"/> is <see cref="RestartPolicyOptions.StableUptime"/>.
/// </summary>
internal sealed class CodeServerRestartOptions : RestartPolicyOptions
{
    public const string SectionName = "Agent:CodeServer:Restart";

    /// <summary>The first delay when no <c>Backoff</c> steps are configured.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The delay doubles per consecutive crash up to this (when no <c>Backoff</c> steps are configured).</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>The older name of <see cref="RestartPolicyOptions.StableUptime"/>.</summary>
    public TimeSpan ResetAfterUptime
    {
        get => StableUptime;
        set => StableUptime = value;
    }

    /// <summary>InitialDelay doubled per step up to MaxDelay; the last step repeats.</summary>
    protected override IReadOnlyList<TimeSpan> DefaultBackoff()
    {
        var steps = new List<TimeSpan>();
        var delay = InitialDelay;
        while (true)
        {
            steps.Add(delay < MaxDelay ? delay : MaxDelay);

            // A zero delay never grows: restart at once, every time.
            if (delay >= MaxDelay || delay <= TimeSpan.Zero)
            {
                return steps;
            }

            delay += delay;
        }
    }
}

namespace ZlhGrind.Agent.CodeServer;

/// <summary>
/// Crash backoff for code-server (section <c>Agent:CodeServer:Restart</c>): the same numbers as the game-server
/// supervision policy — 30 s, 60 s, 120 s, then 120 s; reset after 30 s of uptime; give up at the 4th short-lived crash.
/// </summary>
internal sealed class CodeServerRestartOptions
{
    public const string SectionName = "Agent:CodeServer:Restart";

    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The delay doubles per consecutive crash up to this.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>A run at least this long counts as healthy and resets the crash counter.</summary>
    public TimeSpan ResetAfterUptime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>At this many consecutive short-lived crashes code-server is left Failed until a user starts it.</summary>
    public int MaxConsecutiveCrashes { get; set; } = 4;
}

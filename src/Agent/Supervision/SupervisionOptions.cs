namespace ZlhGrind.Agent.Supervision;

/// <summary>The game-server supervision policy (DESIGN §5); every number is configuration with these defaults.</summary>
internal sealed class SupervisionOptions
{
    public const string Section = "Agent:Supervision";

    /// <summary>Restart delays after the 1st, 2nd, 3rd… consecutive crash; the last repeats.</summary>
    public IList<TimeSpan> Backoff { get; } = [];

    /// <summary>A run at least this long resets the consecutive-crash counter.</summary>
    public TimeSpan StableUptime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The consecutive short-lived crash that puts the server in Error (no more restarts).</summary>
    public int MaxConsecutiveCrashes { get; set; } = 4;

    /// <summary>How long a graceful stop may take before SIGKILL.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for the exit after SIGKILL before reporting the stop as failed.</summary>
    public TimeSpan KillTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Lines and bytes of console output kept in a crash record.</summary>
    public int LogTailLines { get; set; } = 50;

    public int LogTailBytes { get; set; } = 8 * 1024;

    /// <summary>Whether an exit with code 0 that nobody requested counts as a crash (by default it is a stop from inside the game).</summary>
    public bool CleanExitIsCrash { get; set; }

    /// <summary>The backoff steps in effect: the configured ones, or 30 s, 60 s, 120 s.</summary>
    public IReadOnlyList<TimeSpan> EffectiveBackoff =>
        Backoff.Count > 0 ? [.. Backoff] : [TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120)];
}

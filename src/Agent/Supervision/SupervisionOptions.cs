namespace ZlhGrind.Agent.Supervision;

/// <summary>
/// The game-server supervision policy (DESIGN §5): the restart policy (<see cref="RestartPolicyOptions"/>) plus stopping and
/// crash records; every number is configuration with these defaults.
/// </summary>
internal sealed class SupervisionOptions : RestartPolicyOptions
{
    public const string SectionName = "Agent:Supervision";

    /// <summary>How long a graceful stop may take before SIGKILL.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for the exit after SIGKILL before reporting the stop as failed.</summary>
    public TimeSpan KillTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Lines and bytes of console output kept in a crash record.</summary>
    public int LogTailLines { get; set; } = 50;

    public int LogTailBytes { get; set; } = 8 * 1024;

    /// <summary>How often a starting server's readiness (console pattern, TCP port) is checked.</summary>
    public TimeSpan ReadinessPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Whether an exit with code 0 that nobody requested counts as a crash (by default it is a stop from inside the game).</summary>
    public bool CleanExitIsCrash { get; set; }
}

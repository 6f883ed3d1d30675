namespace ZlhGrind.Agent.Limits;

/// <summary>How the agent enforces a game server's memory and CPU limits.</summary>
internal sealed class LimitsOptions
{
    public const string SectionName = "Agent:Limits";

    /// <summary>
    /// <c>auto</c> (default: cgroup v2 where a group with the memory and cpu controllers can be made, else cgroup v1,
    /// else rlimit), or one of <c>cgroup2</c>, <c>cgroup1</c>, <c>rlimit</c>, <c>none</c> to force it (a forced cgroup
    /// that cannot be made falls back as <c>auto</c> does, and says so in the log).
    /// </summary>
    public string Enforcement { get; set; } = "auto";

    /// <summary>Where the cgroup file systems are mounted.</summary>
    public string CgroupRoot { get; set; } = "/sys/fs/cgroup";

    /// <summary>The agent's own group under which each server gets a group of its own.</summary>
    public string ParentGroup { get; set; } = "zlhgrind";

    /// <summary>The cgroup CPU period the CPU share is a part of (cpu.max / cpu.cfs_period_us).</summary>
    public TimeSpan CpuPeriod { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long the agent keeps killing what is left in a server's group after the server ended (a daemon that escaped
    /// its process group) before it gives up and reports the crash or stop anyway.
    /// </summary>
    public TimeSpan GroupKillTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

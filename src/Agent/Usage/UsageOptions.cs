namespace ZlhGrind.Agent.Usage;

/// <summary>How the agent samples a game server's usage and reports it.</summary>
internal sealed class UsageOptions
{
    public const string SectionName = "Agent:Usage";

    /// <summary>The interval of the long series (kept 24 h by the grain).</summary>
    public TimeSpan MinuteInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The interval of the fast series, sampled only while someone watches.</summary>
    public TimeSpan FastInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The disk walk runs at most this often (it is the costly part); points in between carry the last figure.</summary>
    public TimeSpan DiskInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The disk walk stops after this many entries (the figure is then a lower bound).</summary>
    public int MaxDiskEntries { get; set; } = 200_000;

    /// <summary>Points of each series held for the grain while it is unreachable; the oldest go first.</summary>
    public int MaxPendingPoints { get; set; } = 120;
}

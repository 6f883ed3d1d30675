namespace ZlhGrind.Silo.Grains.GameServers;

/// <summary>How much usage a game-server grain keeps and how long a watcher keeps the agent sampling fast.</summary>
internal sealed class UsageOptions
{
    public const string SectionName = "Usage";

    /// <summary>1-minute points kept (1440 = 24 h); the oldest goes first.</summary>
    public int MinutePoints { get; set; } = 1440;

    /// <summary>
    /// How often new 1-minute points are written to storage (also at deactivation): a batch, not a write a minute. A silo
    /// that dies without deactivating loses at most this much of the chart; 5-second points are never stored.
    /// </summary>
    public TimeSpan PersistInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>5-second points kept (180 = 15 min).</summary>
    public int FastPoints { get; set; } = 180;

    /// <summary>How long one request for 5-second points keeps the agent sampling every 5 seconds.</summary>
    public TimeSpan WatchDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The most points of each resolution one agent report may carry (a backlog after a reconnect included).</summary>
    public int MaxPointsPerReport { get; set; } = 120;

    /// <summary>The highest CPU figure a point may carry, in percent of one core (6400 = 64 cores busy).</summary>
    public double MaxCpuPercent { get; set; } = 6400;

    /// <summary>The highest memory or disk figure a point may carry.</summary>
    public long MaxBytes { get; set; } = 1L << 50;
}

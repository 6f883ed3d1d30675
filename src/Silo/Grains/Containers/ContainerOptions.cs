using System.ComponentModel.DataAnnotations;

namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>How container grains judge their agents and keep history.</summary>
internal sealed class ContainerOptions
{
    public const string Section = "Containers";

    /// <summary>How often agents heartbeat (sent to them on connect).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a grain checks whether its agent went silent (default: the heartbeat interval).</summary>
    public TimeSpan? ConnectivityCheckPeriod { get; set; }

    /// <summary>Missed intervals after which an agent is unreachable.</summary>
    [Range(1, 100)]
    public int MissedHeartbeats { get; set; } = 3;

    /// <summary>Crash records kept per game server, newest first.</summary>
    [Range(1, 10_000)]
    public int CrashHistoryLimit { get; set; } = 50;

    /// <summary>
    /// Period of the watch reminder that brings a collected container grain back, so an agent that went
    /// silent is still reported unreachable when nobody is asking.
    /// </summary>
    public TimeSpan WatchReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Largest log tail accepted with a crash record (the agent keeps 8 KiB).</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxLogTailBytes { get; set; } = 16 * 1024;

    public TimeSpan UnreachableAfter => HeartbeatInterval * MissedHeartbeats;
}

/// <summary>IDE bootstrap tokens and sessions.</summary>
internal sealed class IdeOptions
{
    public const string Section = "Ide";

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Live tokens or sessions kept per container; the oldest go first.</summary>
    [Range(1, 10_000)]
    public int MaxOpen { get; set; } = 64;
}

namespace ZlhGrind.Grains.GameServers;

/// <summary>How the agent enforces a game server's memory and CPU limits, chosen once at the agent's start.</summary>
public enum LimitsEnforcement
{
    /// <summary>Nothing is enforced (no cgroup could be created and rlimit was turned off).</summary>
    None = 0,

    /// <summary>RLIMIT_AS set in the server's process before exec: memory only, and as address space, not RSS.</summary>
    Rlimit = 1,

    /// <summary>A cgroup v1 memory (and cpu) group per server.</summary>
    Cgroup1 = 2,

    /// <summary>A cgroup v2 group per server with the memory and cpu controllers.</summary>
    Cgroup2 = 3,
}

/// <summary>The one text spelling of a <see cref="LimitsEnforcement"/>.</summary>
public static class LimitsEnforcements
{
    /// <summary>The lower-case name used in JSON, logs and docs.</summary>
    public static string WireName(this LimitsEnforcement enforcement) => enforcement switch
    {
        LimitsEnforcement.Rlimit => "rlimit",
        LimitsEnforcement.Cgroup1 => "cgroup1",
        LimitsEnforcement.Cgroup2 => "cgroup2",
        _ => "none",
    };
}

/// <summary>The limits of a game server as the status shows them: the spec's figures and how the agent enforces them (null until an agent said).</summary>
[GenerateSerializer, Immutable, Alias("zlh.LimitsStatus")]
public sealed record LimitsStatus(int MemoryMb, int? CpuPercent, string? Enforcement);

/// <summary>One usage point: CPU in percent of one core over the point's interval, resident memory of the server's processes, disk used by its directory.</summary>
[GenerateSerializer, Immutable, Alias("zlh.UsagePoint")]
public sealed record UsagePoint(DateTimeOffset At, double CpuPercent, long RssBytes, long DiskBytes);

/// <summary>The two resolutions of usage points.</summary>
public enum UsageResolution
{
    /// <summary>One point a minute, kept for 24 hours.</summary>
    Minute = 0,

    /// <summary>One point every 5 seconds, sampled only while someone watches.</summary>
    Fast = 1,
}

/// <summary>Usage points from an agent: new 1-minute and 5-second points, oldest first.</summary>
[GenerateSerializer, Immutable, Alias("zlh.UsageReport")]
public sealed record UsageReport(IReadOnlyList<UsagePoint> Minute, IReadOnlyList<UsagePoint> Fast);

/// <summary>Until when the agent should sample every 5 seconds (null or past: someone stopped watching).</summary>
[GenerateSerializer, Immutable, Alias("zlh.UsageAck")]
public sealed record UsageAck(DateTimeOffset? FastUntil);

/// <summary>The usage of a game server at one resolution, oldest first, with its limits for scale.</summary>
[GenerateSerializer, Immutable, Alias("zlh.UsageSeries")]
public sealed record UsageSeries(string Resolution, LimitsStatus Limits, IReadOnlyList<UsagePoint> Points, DateTimeOffset? FastUntil);

using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Silo.Grains.Watch;

/// <summary>How container ids map to watch partitions.</summary>
internal static class ConnectivityWatch
{
    /// <summary>
    /// Partitions of the watch. Fixed, not an option: each partition's stored entries are found by this key, so a
    /// different count after a restart would leave containers in partitions nobody sweeps.
    /// </summary>
    public const int Partitions = 64;

    public static long PartitionOf(long containerId) => containerId % Partitions;
}

/// <summary>The container grain's side of the watch. Silo-internal.</summary>
[Alias("zlh.IConnectivityCheck")]
public interface IConnectivityCheck : IGrainWithIntegerKey
{
    /// <summary>
    /// Evaluates the agent's connectivity now and publishes a change, in an ordinary (non-interleaved) turn;
    /// returns when to ask again, or null when there is nothing left to watch (unreachable, unknown, gone).
    /// </summary>
    [Alias("CheckConnectivity"), Accepts(CallerKind.Internal)]
    Task<DateTimeOffset?> CheckConnectivityAsync();
}

/// <summary>One partition of the connectivity watch (key = container id mod <see cref="ConnectivityWatch.Partitions"/>). Silo-internal.</summary>
[Alias("zlh.IConnectivityWatchGrain")]
public interface IConnectivityWatchGrain : IGrainWithIntegerKey
{
    /// <summary>Watches a container whose agent is connected; written only when the container was not watched yet.</summary>
    [Alias("Watch"), Accepts(CallerKind.Internal)]
    Task WatchAsync(long containerId, ContainerKind kind, DateTimeOffset deadline);

    /// <summary>Stops watching a container (deleted); written only when it was watched.</summary>
    [Alias("Unwatch"), Accepts(CallerKind.Internal)]
    Task UnwatchAsync(long containerId);

    /// <summary>Asks every container whose deadline passed; a sweep already running is awaited, not repeated.</summary>
    [Alias("Sweep"), Accepts(CallerKind.Internal)]
    Task SweepAsync();
}

/// <summary>A watched container: its kind (to address its grain) and when to ask it next.</summary>
[GenerateSerializer]
internal sealed class WatchEntry
{
    [Id(0)]
    public ContainerKind Kind { get; set; }

    /// <summary>Stored as it was when the watch began; moved in memory only afterwards.</summary>
    [Id(1)]
    public DateTimeOffset Deadline { get; set; }
}

[GenerateSerializer]
internal sealed class WatchRecord
{
    [Id(0)]
    public Dictionary<long, WatchEntry> Entries { get; set; } = [];
}

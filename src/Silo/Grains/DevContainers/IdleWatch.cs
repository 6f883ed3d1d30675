using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Silo.Grains.DevContainers;

/// <summary>How dev container ids map to idle watch partitions.</summary>
internal static class IdleWatch
{
    /// <summary>Partitions of the idle watch. Fixed, not an option: stored entries are found by this key.</summary>
    public const int Partitions = 16;

    public static long PartitionOf(long containerId) => containerId % Partitions;
}

/// <summary>The dev container grain's side of the idle watch. Silo-internal.</summary>
[Alias("zlh.IIdleCheck")]
public interface IIdleCheck : IGrainWithIntegerKey
{
    /// <summary>
    /// Warns or stops code-server when its idle deadline came, in an ordinary turn; returns when to ask again, or
    /// null when there is nothing left to watch (code-server stopped, no timeout, container gone).
    /// </summary>
    [Alias("CheckIdle"), Accepts(CallerKind.Internal)]
    Task<DateTimeOffset?> CheckIdleAsync();
}

/// <summary>One partition of the idle watch (key = container id mod <see cref="IdleWatch.Partitions"/>). Silo-internal.</summary>
[Alias("zlh.IIdleWatchGrain")]
public interface IIdleWatchGrain : IGrainWithIntegerKey
{
    /// <summary>Watches a dev container whose code-server should run; written only when it was not watched yet.</summary>
    [Alias("Watch"), Accepts(CallerKind.Internal)]
    Task WatchAsync(long containerId, DateTimeOffset deadline);

    /// <summary>Asks every container whose deadline passed; a sweep already running is awaited, not repeated.</summary>
    [Alias("Sweep"), Accepts(CallerKind.Internal)]
    Task SweepAsync();
}

/// <summary>The stored part of an idle watch partition: which containers it watches (the deadlines live in memory).</summary>
[GenerateSerializer]
internal sealed class IdleWatchRecord
{
    [Id(0)]
    public HashSet<long> Containers { get; set; } = [];
}

using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Silo.Grains.Registry;

/// <summary>One bucket of the container index (key = id / <see cref="ContainerBuckets.Size"/>). Silo-internal.</summary>
[Alias("zlh.IContainerBucketGrain")]
public interface IContainerBucketGrain : IGrainWithIntegerKey
{
    [Alias("GetKind"), Accepts(CallerKind.Internal)]
    ValueTask<ContainerKind?> GetKindAsync(long containerId);

    [Alias("Claim"), Accepts(CallerKind.Internal)]
    Task ClaimAsync(ContainerSummary container);

    /// <summary>Removes a deleted container's entry; true when its owner still has other entries in this bucket (or there was no entry).</summary>
    [Alias("Release"), Accepts(CallerKind.Internal)]
    Task<bool> ReleaseAsync(long containerId);

    /// <summary>Entries of one owner (all when <paramref name="ownerId"/> is null), optionally of one kind.</summary>
    [Alias("List"), Accepts(CallerKind.Internal)]
    ValueTask<IReadOnlyList<ContainerSummary>> ListAsync(string? ownerId, ContainerKind? kind);
}

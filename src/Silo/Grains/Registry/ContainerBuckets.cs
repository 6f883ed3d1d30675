using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Grains.Registry;

/// <summary>How ids map to index buckets.</summary>
internal static class ContainerBuckets
{
    /// <summary>Ids per bucket: a claim rewrites at most this many entries.</summary>
    public const long Size = 1024;

    public static long Of(long containerId) => containerId / Size;
}

/// <summary>One bucket of the container index (key = id / <see cref="ContainerBuckets.Size"/>). Silo-internal.</summary>
[Alias("zlh.IContainerBucketGrain")]
public interface IContainerBucketGrain : IGrainWithIntegerKey
{
    [Alias("GetKind"), Accepts(CallerKind.Internal)]
    ValueTask<ContainerKind?> GetKindAsync(long containerId);

    [Alias("Claim"), Accepts(CallerKind.Internal)]
    Task ClaimAsync(ContainerSummary container);

    /// <summary>Entries of one owner (all when <paramref name="ownerId"/> is null), optionally of one kind.</summary>
    [Alias("List"), Accepts(CallerKind.Internal)]
    ValueTask<IReadOnlyList<ContainerSummary>> ListAsync(string? ownerId, ContainerKind? kind);
}

/// <summary>Which buckets hold an owner's containers (key = owner id). Silo-internal.</summary>
[Alias("zlh.IOwnerIndexGrain")]
public interface IOwnerIndexGrain : IGrainWithStringKey
{
    [Alias("AddBucket"), Accepts(CallerKind.Internal)]
    Task AddBucketAsync(long bucket);

    [Alias("GetBuckets"), Accepts(CallerKind.Internal)]
    ValueTask<long[]> GetBucketsAsync();
}

[GenerateSerializer]
internal sealed class BucketRecord
{
    [Id(0)]
    public Dictionary<long, ContainerSummary> Containers { get; set; } = [];
}

internal sealed class ContainerBucketGrain(
    [PersistentState("bucket", StorageNames.Containers)] IPersistentState<BucketRecord> record)
    : Grain, IContainerBucketGrain
{
    public ValueTask<ContainerKind?> GetKindAsync(long containerId) =>
        ValueTask.FromResult(record.State.Containers.TryGetValue(containerId, out var found) ? found.Kind : (ContainerKind?)null);

    public async Task ClaimAsync(ContainerSummary container)
    {
        if (record.State.Containers.TryGetValue(container.ContainerId, out var existing))
        {
            throw new ContainerConflictException(existing.Kind == container.Kind && existing.OwnerId == container.OwnerId
                ? $"Container {container.ContainerId} is already provisioned."
                : $"Container id {container.ContainerId} is taken.");
        }

        record.State.Containers[container.ContainerId] = container;
        await record.WriteStateAsync();
    }

    public ValueTask<IReadOnlyList<ContainerSummary>> ListAsync(string? ownerId, ContainerKind? kind)
    {
        var list = new List<ContainerSummary>();
        foreach (var container in record.State.Containers.Values)
        {
            if ((kind is null || container.Kind == kind) && (ownerId is null || container.OwnerId == ownerId))
            {
                list.Add(container);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<ContainerSummary>>(list);
    }
}

[GenerateSerializer]
internal sealed class OwnerIndexRecord
{
    [Id(0)]
    public SortedSet<long> Buckets { get; set; } = [];
}

internal sealed class OwnerIndexGrain(
    [PersistentState("owner", StorageNames.Containers)] IPersistentState<OwnerIndexRecord> record)
    : Grain, IOwnerIndexGrain
{
    public async Task AddBucketAsync(long bucket)
    {
        if (record.State.Buckets.Add(bucket))
        {
            await record.WriteStateAsync();
        }
    }

    public ValueTask<long[]> GetBucketsAsync() => ValueTask.FromResult(record.State.Buckets.ToArray());
}

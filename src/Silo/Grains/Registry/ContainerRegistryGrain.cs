using ZlhGrind.Grains.Containers;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Grains.Registry;

/// <summary>The registry's own stored state: the id allocator and which buckets hold containers.</summary>
[GenerateSerializer]
internal sealed class RegistryRecord
{
    /// <summary>The lowest id <see cref="IContainerRegistryGrain.AllocateIdAsync"/> may hand out next.</summary>
    [Id(0)]
    public long NextId { get; set; } = ContainerId.Min;

    [Id(1)]
    public SortedSet<long> Buckets { get; set; } = [];
}

/// <summary>
/// The front of the container index. Entries live in buckets of <see cref="ContainerBuckets.Size"/> ids
/// and owners know their buckets, so provisioning writes a bounded amount whatever the fleet size.
/// </summary>
internal sealed class ContainerRegistryGrain(
    [PersistentState("registry", StorageNames.Containers)] IPersistentState<RegistryRecord> record)
    : Grain, IContainerRegistryGrain
{
    private RegistryRecord Record => record.State;

    public async Task<long> AllocateIdAsync()
    {
        while (true)
        {
            var id = Math.Max(Record.NextId, ContainerId.Min);
            if (!ContainerId.IsValid(id))
            {
                throw new ContainerConflictException("No container ids are left.");
            }

            // Moved past for good, even if the id turns out to be taken by an explicitly provisioned container.
            Record.NextId = id + 1;
            if (await Bucket(id).GetKindAsync(id) is null)
            {
                await record.WriteStateAsync();
                return id;
            }
        }
    }

    public ValueTask<ContainerKind?> GetKindAsync(long containerId) =>
        ContainerId.IsValid(containerId) ? Bucket(containerId).GetKindAsync(containerId) : ValueTask.FromResult<ContainerKind?>(null);

    public async Task ClaimAsync(ContainerSummary container)
    {
        var bucket = ContainerBuckets.Of(container.ContainerId);
        await Bucket(container.ContainerId).ClaimAsync(container);
        await GrainFactory.GetGrain<IOwnerIndexGrain>(container.OwnerId).AddBucketAsync(bucket);
        if (Record.Buckets.Add(bucket))
        {
            await record.WriteStateAsync();
        }
    }

    public async Task ReleaseAsync(long containerId, string ownerId)
    {
        // Claims and releases go through this grain one at a time, so no claim of the owner's can slip in between.
        var bucket = ContainerBuckets.Of(containerId);
        if (!await Bucket(containerId).ReleaseAsync(containerId))
        {
            await GrainFactory.GetGrain<IOwnerIndexGrain>(ownerId).RemoveBucketAsync(bucket);
        }
    }

    public async Task<IReadOnlyList<ContainerSummary>> ListAsync(Actor actor, ContainerKind? kind)
    {
        var owner = actor.IsOperator ? null : actor.UserId;
        var buckets = owner is null ? Record.Buckets.ToArray() : await GrainFactory.GetGrain<IOwnerIndexGrain>(owner).GetBucketsAsync();
        var parts = await Task.WhenAll(buckets.Select(b => GrainFactory.GetGrain<IContainerBucketGrain>(b).ListAsync(owner, kind).AsTask()));
        var list = parts.SelectMany(p => p).ToList();
        list.Sort(static (a, b) => a.ContainerId.CompareTo(b.ContainerId));
        return list;
    }

    private IContainerBucketGrain Bucket(long containerId) => GrainFactory.GetGrain<IContainerBucketGrain>(ContainerBuckets.Of(containerId));
}

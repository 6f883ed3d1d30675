using Orleans.Concurrency;
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
/// and owners know their buckets, so provisioning writes a bounded amount whatever the fleet size. Every provision
/// of the cluster asks this one grain for an id, so it is reentrant: an id is taken synchronously, and allocations
/// that arrive while the record is being written are stored together by the next write.
/// </summary>
[Reentrant]
internal sealed class ContainerRegistryGrain(
    [PersistentState("registry", StorageNames.Containers)] IPersistentState<RegistryRecord> record)
    : Grain, IContainerRegistryGrain, IContainerBucketList
{
    private readonly SerialWriter _writer = new(() => record.WriteStateAsync());

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
                await _writer.WriteAsync();
                return id;
            }
        }
    }

    public ValueTask<ContainerKind?> GetKindAsync(long containerId) =>
        ContainerId.IsValid(containerId) ? Bucket(containerId).GetKindAsync(containerId) : ValueTask.FromResult<ContainerKind?>(null);

    /// <summary>The bucket keeps the owner index and this grain's bucket list (container grains claim from the bucket directly).</summary>
    public Task ClaimAsync(ContainerSummary container) => Bucket(container.ContainerId).ClaimAsync(container);

    /// <summary>The bucket updates the owner index, in order with the claims of the same bucket.</summary>
    public Task ReleaseAsync(long containerId, string ownerId) => Bucket(containerId).ReleaseAsync(containerId);

    public async Task AddBucketAsync(long bucket)
    {
        if (Record.Buckets.Add(bucket))
        {
            await _writer.WriteAsync();
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

using Orleans.Concurrency;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Grains.Registry;

/// <summary>
/// Holds one bucket of the container index; a claim of a taken id is refused. Ids are handed out in order, so the
/// provisions of a whole fleet arrive at one bucket: it is reentrant, every check and change is synchronous, claims
/// that arrive while a write is under way are stored together by the next one, and the owner index and the registry's
/// bucket list hear of this bucket's changes one after another, in the order they happened.
/// </summary>
[Reentrant]
internal sealed class ContainerBucketGrain(
    [PersistentState("bucket", StorageNames.Containers)] IPersistentState<BucketRecord> record)
    : Grain, IContainerBucketGrain
{
    private readonly SerialWriter _writer = new(() => record.WriteStateAsync());

    /// <summary>The last change queued for the owner index or the bucket list; each runs after the one before.</summary>
    private Task _indexing = Task.CompletedTask;

    private long Bucket => this.GetPrimaryKeyLong();

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

        var firstOfOwner = !HasOwner(container.OwnerId);
        var firstInBucket = record.State.Containers.Count == 0;
        record.State.Containers[container.ContainerId] = container;
        await _writer.WriteAsync();

        var owner = firstOfOwner ? Index(() => GrainFactory.GetGrain<IOwnerIndexGrain>(container.OwnerId).AddBucketAsync(Bucket)) : null;
        var listed = firstInBucket ? Index(() => GrainFactory.GetGrain<IContainerBucketList>(IContainerRegistryGrain.Key).AddBucketAsync(Bucket)) : null;

        // A claim returns once the index changes queued before it are done too: the owner's listing shows the container.
        await _indexing.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
        await (owner ?? Task.CompletedTask);
        await (listed ?? Task.CompletedTask);
    }

    public async Task<bool> ReleaseAsync(long containerId)
    {
        if (!record.State.Containers.Remove(containerId, out var released))
        {
            // Released before (a retried deletion): the owner index is left as it is.
            return true;
        }

        var ownerStays = HasOwner(released.OwnerId);
        await _writer.WriteAsync();
        if (!ownerStays)
        {
            // Queued behind any claim of the same owner's that came first, so the index ends as the bucket does.
            await Index(() => GrainFactory.GetGrain<IOwnerIndexGrain>(released.OwnerId).RemoveBucketAsync(Bucket));
        }

        return ownerStays;
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

    private bool HasOwner(string ownerId)
    {
        foreach (var container in record.State.Containers.Values)
        {
            if (container.OwnerId == ownerId)
            {
                return true;
            }
        }

        return false;
    }

    private Task Index(Func<Task> change) => _indexing = IndexAfterAsync(_indexing, change);

    private static async Task IndexAfterAsync(Task previous, Func<Task> change)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
        await change();
    }
}

using ZlhGrind.Grains.Containers;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Grains.Registry;

/// <summary>Holds one bucket of the container index; a claim of a taken id is refused.</summary>
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

    public async Task<bool> ReleaseAsync(long containerId)
    {
        if (!record.State.Containers.Remove(containerId, out var released))
        {
            // Released before (a retried deletion): the owner index is left as it is.
            return true;
        }

        await record.WriteStateAsync();
        return record.State.Containers.Values.Any(c => c.OwnerId == released.OwnerId);
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

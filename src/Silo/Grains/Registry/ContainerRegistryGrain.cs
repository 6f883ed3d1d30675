using ZlhGrind.Grains.Containers;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Grains.Registry;

/// <summary>The stored index of containers.</summary>
[GenerateSerializer]
internal sealed class RegistryRecord
{
    [Id(0)]
    public Dictionary<long, ContainerSummary> Containers { get; set; } = [];

    /// <summary>The lowest id <see cref="IContainerRegistryGrain.AllocateIdAsync"/> may hand out next.</summary>
    [Id(1)]
    public long NextId { get; set; } = ZlhGrind.Grains.Containers.ContainerId.Min;
}

/// <summary>The index of containers by owner and kind, and the id allocator.</summary>
internal sealed class ContainerRegistryGrain(
    [PersistentState("registry", StorageNames.Containers)] IPersistentState<RegistryRecord> record)
    : Grain, IContainerRegistryGrain
{
    private readonly HashSet<long> _reserved = [];

    private RegistryRecord Record => record.State;

    public async Task<long> AllocateIdAsync()
    {
        var id = Math.Max(Record.NextId, ContainerId.Min);
        while (Record.Containers.ContainsKey(id) || _reserved.Contains(id))
        {
            id++;
        }

        if (!ContainerId.IsValid(id))
        {
            throw new ContainerConflictException("No container ids are left.");
        }

        // Reserved in memory until claimed, and the allocator moves past it for good.
        _reserved.Add(id);
        Record.NextId = id + 1;
        await record.WriteStateAsync();
        return id;
    }

    public ValueTask<ContainerKind?> GetKindAsync(long containerId) =>
        ValueTask.FromResult(Record.Containers.TryGetValue(containerId, out var found) ? found.Kind : (ContainerKind?)null);

    public async Task ClaimAsync(ContainerSummary container)
    {
        if (Record.Containers.TryGetValue(container.ContainerId, out var existing))
        {
            throw new ContainerConflictException(existing.Kind == container.Kind && existing.OwnerId == container.OwnerId
                ? $"Container {container.ContainerId} is already provisioned."
                : $"Container id {container.ContainerId} is taken.");
        }

        Record.Containers[container.ContainerId] = container;
        _reserved.Remove(container.ContainerId);
        await record.WriteStateAsync();
    }

    public Task<IReadOnlyList<ContainerSummary>> ListAsync(Actor actor, ContainerKind? kind)
    {
        var list = new List<ContainerSummary>();
        foreach (var container in Record.Containers.Values)
        {
            if ((kind is null || container.Kind == kind) && actor.MayAccess(container.OwnerId))
            {
                list.Add(container);
            }
        }

        list.Sort(static (a, b) => a.ContainerId.CompareTo(b.ContainerId));
        return Task.FromResult<IReadOnlyList<ContainerSummary>>(list);
    }
}

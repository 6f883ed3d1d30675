using System.Collections.Concurrent;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Cluster;

/// <summary>
/// Which kind each container is. A kind is fixed for the life of a container (DESIGN §2), so a known kind is cached
/// until the container is deleted and costs no grain call afterwards; unknown ids are not cached, so random ids cannot
/// fill the cache. A deletion through another gateway reaches this one by the container's <c>deleted</c> event on an
/// open event stream, or is found when a request names the other kind (<see cref="RefreshAsync"/>).
/// </summary>
internal sealed class ContainerKinds(IGrainFactory grains)
{
    private readonly ConcurrentDictionary<long, ContainerKind> _known = new();

    public ValueTask<ContainerKind?> GetAsync(long containerId)
    {
        if (_known.TryGetValue(containerId, out var kind))
        {
            return new ValueTask<ContainerKind?>(kind);
        }

        return FetchAsync(containerId);
    }

    /// <summary>Records a kind learnt from a successful provision.</summary>
    public void Remember(long containerId, ContainerKind kind) => _known.TryAdd(containerId, kind);

    /// <summary>Drops a deleted container's kind: its id may be provisioned again, by an operator, as the other kind.</summary>
    public void Forget(long containerId) => _known.TryRemove(containerId, out _);

    /// <summary>Asks the registry again, replacing (or dropping) what is cached.</summary>
    public ValueTask<ContainerKind?> RefreshAsync(long containerId)
    {
        Forget(containerId);
        return FetchAsync(containerId);
    }

    private async ValueTask<ContainerKind?> FetchAsync(long containerId)
    {
        var kind = await grains.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).GetKindAsync(containerId);
        if (kind is { } known)
        {
            _known.TryAdd(containerId, known);
        }

        return kind;
    }
}

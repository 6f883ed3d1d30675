using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Grains.Containers;

/// <summary>The index of containers by owner and kind (key 0); it also hands out fresh ids.</summary>
[Alias("zlh.IContainerRegistryGrain")]
public interface IContainerRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>The registry's only key.</summary>
    public const long Key = 0;

    /// <summary>Reserves and returns the next unused container id.</summary>
    [Alias("AllocateId"), Accepts(CallerKind.Gateway)]
    Task<long> AllocateIdAsync();

    /// <summary>The kind of a container, or null when there is none with that id.</summary>
    [Alias("GetKind"), Accepts(CallerKind.Gateway | CallerKind.Internal)]
    ValueTask<ContainerKind?> GetKindAsync(long containerId);

    /// <summary>Claims an id for a kind and owner; fails when the id is taken by another kind or owner.</summary>
    [Alias("Claim"), Accepts(CallerKind.Internal)]
    Task ClaimAsync(ContainerSummary container);

    /// <summary>Forgets a deleted container: its id no longer has a kind, and its owner's listing no longer shows it.</summary>
    [Alias("Release"), Accepts(CallerKind.Internal)]
    Task ReleaseAsync(long containerId, string ownerId);

    /// <summary>Containers the actor may see (all of them for an operator), optionally of one kind.</summary>
    [Alias("List"), Accepts(CallerKind.Gateway)]
    Task<IReadOnlyList<ContainerSummary>> ListAsync(Actor actor, ContainerKind? kind);
}

using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Gateway.Cluster;

/// <summary>Finds the grain of a container by its kind; a missing id or the wrong kind is a <see cref="ContainerNotFoundException"/>.</summary>
internal sealed class ContainerGrains(IGrainFactory grains, ContainerKinds kinds)
{
    public IGrainFactory Factory => grains;

    public ContainerKinds Kinds => kinds;

    public async ValueTask<IContainerGrain> AnyAsync(long id) => await kinds.GetAsync(id) switch
    {
        ContainerKind.Game => grains.GetGrain<IGameServerGrain>(id),
        ContainerKind.Dev => grains.GetGrain<IDevContainerGrain>(id),
        _ => throw new ContainerNotFoundException(id),
    };

    public async ValueTask<IGameServerGrain> GameAsync(long id) => await KindAsync(id, ContainerKind.Game) == ContainerKind.Game
        ? grains.GetGrain<IGameServerGrain>(id)
        : throw new ContainerNotFoundException(id);

    public async ValueTask<IDevContainerGrain> DevAsync(long id) => await KindAsync(id, ContainerKind.Dev) == ContainerKind.Dev
        ? grains.GetGrain<IDevContainerGrain>(id)
        : throw new ContainerNotFoundException(id);

    /// <summary>
    /// The id's kind; a cached kind other than <paramref name="wanted"/> is checked with the registry once more, since
    /// the container may have been deleted through another gateway and its id provisioned again as the other kind.
    /// </summary>
    private async ValueTask<ContainerKind?> KindAsync(long id, ContainerKind wanted)
    {
        var kind = await kinds.GetAsync(id);
        return kind is { } cached && cached != wanted ? await kinds.RefreshAsync(id) : kind;
    }

    /// <summary>
    /// Marks the calls made in the returned scope as an operator's when the actor is one, so the silo can tell an
    /// operator's request from a user's; null (nothing to undo) for ordinary users.
    /// </summary>
    public static IDisposable? ScopeFor(Actor actor) => actor.IsOperator ? OperatorScope.Enter() : null;
}

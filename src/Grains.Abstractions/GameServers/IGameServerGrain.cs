using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Grains.GameServers;

/// <summary>A game-server container, keyed by its vmid.</summary>
[Alias("zlh.IGameServerGrain")]
public interface IGameServerGrain : IContainerGrain
{
    /// <summary>Creates the container for <paramref name="actor"/>; returns the agent credential once.</summary>
    [Alias("Provision"), Accepts(CallerKind.Gateway)]
    Task<ProvisionResult> ProvisionAsync(Actor actor, GameServerSpec spec);

    /// <summary>Records a power action in the desired spec and hints the agent.</summary>
    [Alias("Power"), Accepts(CallerKind.Gateway)]
    Task<ContainerStatus> PowerAsync(Actor actor, PowerAction action);

    /// <summary>The crash history, newest first (at most 50).</summary>
    [Alias("GetCrashes"), Accepts(CallerKind.Gateway)]
    Task<IReadOnlyList<CrashRecord>> GetCrashesAsync(Actor actor);

    /// <summary>Changes the spec (validated whole before anything changes); the agent applies it at the next start.</summary>
    [Alias("Update"), Accepts(CallerKind.Gateway)]
    Task<ContainerStatus> UpdateAsync(Actor actor, GameServerUpdate update);
}

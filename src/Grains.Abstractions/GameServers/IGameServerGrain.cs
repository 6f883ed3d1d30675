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

    /// <summary>
    /// The usage points at <paramref name="resolution"/>, oldest first; asking for <see cref="UsageResolution.Fast"/> is
    /// watching: the agent is told to sample every 5 seconds for a bounded time.
    /// </summary>
    [Alias("GetUsage"), Accepts(CallerKind.Gateway)]
    Task<UsageSeries> GetUsageAsync(Actor actor, UsageResolution resolution);

    /// <summary>Takes the agent's usage points (validated, bounded, out-of-order ones dropped) and says whether to sample fast.</summary>
    [Alias("ReportUsage"), Accepts(CallerKind.Agent)]
    Task<UsageAck> ReportUsageAsync(UsageReport report);

    /// <summary>Changes the spec (validated whole before anything changes); the agent applies it at the next start.</summary>
    [Alias("Update"), Accepts(CallerKind.Gateway)]
    Task<ContainerStatus> UpdateAsync(Actor actor, GameServerUpdate update);
}

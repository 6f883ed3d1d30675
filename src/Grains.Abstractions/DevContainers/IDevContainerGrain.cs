using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Grains.DevContainers;

/// <summary>A dev container with a browser IDE, keyed by its vmid.</summary>
[Alias("zlh.IDevContainerGrain")]
public interface IDevContainerGrain : IContainerGrain
{
    /// <summary>Creates the container; the runtime must be in the catalog. Returns the agent credential once.</summary>
    [Alias("Provision"), Accepts(CallerKind.Gateway)]
    Task<ProvisionResult> ProvisionAsync(Actor actor, DevContainerSpec spec);

    /// <summary>Records a code-server action in the desired spec and hints the agent.</summary>
    [Alias("CodeServer"), Accepts(CallerKind.Gateway)]
    Task<ContainerStatus> CodeServerAsync(Actor actor, CodeServerAction action);

    /// <summary>Issues a single-use bootstrap token valid for 60 s.</summary>
    [Alias("IssueIdeToken"), Accepts(CallerKind.Gateway)]
    Task<IdeTokenGrant> IssueIdeTokenAsync(Actor actor);

    /// <summary>Redeems a bootstrap token once, opening an IDE session. The token itself is the authority.</summary>
    [Alias("RedeemIdeToken"), Accepts(CallerKind.Gateway)]
    Task<IdeRedeemResult> RedeemIdeTokenAsync(string token);

    /// <summary>Checks a session id from the IDE cookie and says where the IDE is.</summary>
    [Alias("ResolveIdeSession"), Accepts(CallerKind.Gateway)]
    ValueTask<IdeSessionLookup> ResolveIdeSessionAsync(string sessionId);

    /// <summary>
    /// Sets the container's own address as the platform knows it (an IP, or IP:port to override the gateway's IDE
    /// port), or clears it with null. Operators only: the tunnel goes nowhere else, whatever the agent reports.
    /// </summary>
    [Alias("SetIdeAddress"), Accepts(CallerKind.Gateway)]
    Task SetIdeAddressAsync(Actor actor, string? address);

    /// <summary>Revokes every IDE session of the container; returns how many were open.</summary>
    [Alias("RevokeIdeSessions"), Accepts(CallerKind.Gateway)]
    Task<int> RevokeIdeSessionsAsync(Actor actor);

    /// <summary>
    /// The latest IDE activity a gateway saw (batched: about once a minute per container); the grain keeps the latest
    /// of all gateways' reports, a time ahead of the silo's clock counting as now. Gateways only: an agent must not
    /// postpone or bring forward the culling of any container, its own included.
    /// </summary>
    [Alias("ReportIdeActivity"), Accepts(CallerKind.Gateway)]
    ValueTask ReportIdeActivityAsync(DateTimeOffset lastActivityAt);

    /// <summary>"Keep running": the owner (or an operator) restarts the idle countdown of a running code-server.</summary>
    [Alias("KeepIdeRunning"), Accepts(CallerKind.Gateway)]
    Task<ContainerStatus> KeepIdeRunningAsync(Actor actor);

    /// <summary>Changes the spec (validated whole before anything changes); the agent applies it at once.</summary>
    [Alias("Update"), Accepts(CallerKind.Gateway)]
    Task<ContainerStatus> UpdateAsync(Actor actor, DevContainerUpdate update);
}

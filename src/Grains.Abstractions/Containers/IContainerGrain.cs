using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Events;

namespace ZlhGrind.Grains.Containers;

/// <summary>What every container grain offers: its status to the gateway and the agent link to its agent.</summary>
[Alias("zlh.IContainerGrain")]
public interface IContainerGrain : IGrainWithIntegerKey
{
    /// <summary>The status document; non-owners get <see cref="ContainerNotFoundException"/>.</summary>
    [Alias("GetStatus"), Accepts(CallerKind.Gateway)]
    Task<ContainerStatus> GetStatusAsync(Actor actor);

    /// <summary>
    /// The status with the last event number and, for <paramref name="afterSequence"/>, the events after it from the
    /// grain's bounded buffer (null when the gap is older than the buffer); non-owners get <see cref="ContainerNotFoundException"/>.
    /// </summary>
    [Alias("GetEventsSince"), Accepts(CallerKind.Gateway)]
    Task<EventReplay> GetEventsSinceAsync(Actor actor, long? afterSequence);

    /// <summary>
    /// Deletes the container (owner or operator; others get <see cref="ContainerNotFoundException"/>): records the
    /// deletion in the desired spec and answers the status in state <c>Deleting</c>; the agent stops the workload,
    /// removes its data unless <paramref name="keepData"/>, and confirms; then the credential, state and registry entry go.
    /// </summary>
    [Alias("Delete"), Accepts(CallerKind.Gateway)]
    Task<ContainerStatus> DeleteAsync(Actor actor, bool keepData);

    /// <summary>Registers the agent's observer and returns what it must converge to.</summary>
    [Alias("ConnectAgent"), Accepts(CallerKind.Agent)]
    Task<AgentSession> ConnectAgentAsync(AgentHello hello, IAgentObserver observer);

    /// <summary>Kept in memory only; the ack carries the desired-spec generation so no command is lost.</summary>
    [Alias("Heartbeat"), Accepts(CallerKind.Agent)]
    ValueTask<HeartbeatAck> HeartbeatAsync(Heartbeat heartbeat);

    /// <summary>Delivers state changes, crashes and install results, in order; duplicates are ignored.</summary>
    [Alias("Report"), Accepts(CallerKind.Agent)]
    Task<ReportAck> ReportAsync(AgentReport report);

    /// <summary>The current desired spec with its generation.</summary>
    [Alias("GetDesiredSpec"), Accepts(CallerKind.Agent)]
    Task<DesiredSpec> GetDesiredSpecAsync();
}

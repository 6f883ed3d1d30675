using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>
/// What a container grain knows of its agent between writes: the last heartbeat, the observer and
/// connectivity. Lives in memory only — heartbeats are never written (DESIGN §3).
/// </summary>
internal sealed class AgentPresence(TimeProvider time, ContainerOptions options)
{
    private readonly DateTimeOffset _activatedAt = time.GetUtcNow();
    private readonly TimeSpan _unreachableAfter = options.UnreachableAfter;

    /// <summary>Reports and connects that write: this agent's own budget.</summary>
    public TokenBucket Writes { get; } = new(time, options.ReportBurst, options.ReportRefill);

    /// <summary>Heartbeats recorded: this agent's own budget.</summary>
    public TokenBucket Heartbeats { get; } = new(time, options.HeartbeatBurst, options.HeartbeatRefill);

    /// <summary>Set once an over-limit input of this agent was logged.</summary>
    public bool InputRefusalLogged { get; set; }

    public Heartbeat? LastHeartbeat { get; private set; }

    public DateTimeOffset? LastHeartbeatAt { get; private set; }

    public IAgentObserver? Observer { get; private set; }

    /// <summary>Set once this activation knows its container is in the connectivity watch.</summary>
    public bool Watched { get; set; }

    /// <summary>The connectivity last published, to raise an event only on change.</summary>
    public Connectivity Published { get; set; }

    public void Connected(IAgentObserver observer)
    {
        Observer = observer;
        LastHeartbeatAt = time.GetUtcNow();
    }

    public void Beat(Heartbeat heartbeat)
    {
        LastHeartbeat = heartbeat;
        LastHeartbeatAt = time.GetUtcNow();
    }

    public void ForgetObserver() => Observer = null;

    /// <summary>
    /// Connected while heartbeats arrive; unreachable once <c>unreachableAfter</c> passes without one.
    /// A grain re-activated for a container whose agent connected before counts from its activation.
    /// </summary>
    public (Connectivity Connectivity, DateTimeOffset? Since) Evaluate(bool agentEverConnected)
    {
        if (Deadline(agentEverConnected) is not { } deadline)
        {
            return (Connectivity.Unknown, null);
        }

        return time.GetUtcNow() >= deadline ? (Connectivity.Unreachable, deadline) : (Connectivity.Connected, null);
    }

    /// <summary>When the agent turns unreachable without another heartbeat; null before any agent connected.</summary>
    public DateTimeOffset? Deadline(bool agentEverConnected)
    {
        var lastSeen = LastHeartbeatAt ?? (agentEverConnected ? _activatedAt : (DateTimeOffset?)null);
        return lastSeen + _unreachableAfter;
    }
}

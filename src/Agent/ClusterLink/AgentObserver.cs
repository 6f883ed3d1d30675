using ZlhGrind.Grains.Agents;

namespace ZlhGrind.Agent.ClusterLink;

/// <summary>Receives the grain's hints. The link holds it strongly: Orleans keeps only a weak reference.</summary>
internal sealed class AgentObserver(Action<long> onSpecChanged) : IAgentObserver
{
    public Task DesiredSpecChanged(long generation)
    {
        onSpecChanged(generation);
        return Task.CompletedTask;
    }
}

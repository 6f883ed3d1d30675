using Orleans.Concurrency;

namespace ZlhGrind.Grains.Agents;

/// <summary>The agent's callback: a hint that the desired spec changed. One-way, so a dead agent never blocks the grain.</summary>
[Alias("zlh.IAgentObserver")]
public interface IAgentObserver : IGrainObserver
{
    /// <summary>The desired spec is now at <paramref name="generation"/>; fetch it if newer than what you have.</summary>
    [OneWay, Alias("DesiredSpecChanged")]
    Task DesiredSpecChanged(long generation);
}

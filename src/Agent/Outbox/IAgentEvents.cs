using ZlhGrind.Grains.Agents;

namespace ZlhGrind.Agent.Outbox;

/// <summary>The agent's outbox: events are numbered, queued (bounded) and delivered in order, also after a reconnect.</summary>
internal interface IAgentEvents
{
    /// <summary>Queues an event; the outbox assigns its sequence number and time.</summary>
    void Publish(Func<long, DateTimeOffset, AgentEvent> create);
}

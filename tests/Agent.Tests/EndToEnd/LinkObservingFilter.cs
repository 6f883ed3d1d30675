using ZlhGrind.Grains.Agents;

namespace ZlhGrind.Agent.Tests.EndToEnd;

/// <summary>
/// Silo-side filters for testing the link's fallbacks: drops every desired-spec hint to agents (as a
/// lost one-way message would be) and counts the agent's connect calls (its subscriptions).
/// </summary>
internal sealed class LinkObservingFilter : IOutgoingGrainCallFilter, IIncomingGrainCallFilter
{
    private int _droppedHints;
    private int _connects;

    public int DroppedHints => Volatile.Read(ref _droppedHints);

    public int Connects => Volatile.Read(ref _connects);

    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType == typeof(IAgentObserver))
        {
            Interlocked.Increment(ref _droppedHints);
            return Task.CompletedTask;
        }

        return context.Invoke();
    }

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.Name == "ConnectAgentAsync")
        {
            Interlocked.Increment(ref _connects);
        }

        return context.Invoke();
    }
}

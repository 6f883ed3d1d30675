using Orleans.Runtime;

namespace ZlhGrind.Grains.Authorization;

/// <summary>A gateway's outgoing filter: every call carries the service key the silos check.</summary>
public sealed class ServiceKeyCallFilter(string serviceKey) : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        RequestContext.Set(CallContextKeys.ServiceKey, serviceKey);
        return context.Invoke();
    }
}

/// <summary>An agent's outgoing filter: every call carries its container id and credential.</summary>
public sealed class AgentCredentialCallFilter(long containerId, string credential) : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        RequestContext.Set(CallContextKeys.AgentContainerId, containerId);
        RequestContext.Set(CallContextKeys.AgentCredential, credential);
        return context.Invoke();
    }
}

/// <summary>Marks the calls made inside a scope as made for an operator (the gateway opens it only for the operator role).</summary>
public static class OperatorScope
{
    /// <summary>Sets the operator flag until the returned scope is disposed.</summary>
    public static IDisposable Enter()
    {
        RequestContext.Set(CallContextKeys.Operator, true);
        return new Exit();
    }

    private sealed class Exit : IDisposable
    {
        public void Dispose() => RequestContext.Remove(CallContextKeys.Operator);
    }
}

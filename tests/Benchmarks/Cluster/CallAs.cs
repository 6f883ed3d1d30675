using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Benchmarks.Cluster;

/// <summary>
/// Sets the request context the way the gateway's and the agent's outgoing filters do, so one client
/// process can speak for many simulated agents (each with its own container id and credential).
/// </summary>
internal static class CallAs
{
    public static void Gateway(string serviceKey)
    {
        RequestContext.Clear();
        RequestContext.Set(CallContextKeys.ServiceKey, serviceKey);
    }

    public static void Agent(long containerId, string credential)
    {
        RequestContext.Clear();
        RequestContext.Set(CallContextKeys.AgentContainerId, containerId);
        RequestContext.Set(CallContextKeys.AgentCredential, credential);
    }
}

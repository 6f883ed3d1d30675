using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Silo.Tests.TestSupport;

/// <summary>
/// Sets the request context exactly as the gateway's and agent's outgoing filters do, so one test
/// client can speak as a gateway, an operator, an agent or nobody.
/// </summary>
internal static class CallAs
{
    public const string ServiceKey = "test-service-key-0123456789";

    public static void Gateway()
    {
        RequestContext.Clear();
        RequestContext.Set(CallContextKeys.ServiceKey, ServiceKey);
    }

    public static void Operator()
    {
        Gateway();
        RequestContext.Set(CallContextKeys.Operator, true);
    }

    public static void Agent(long containerId, string credential)
    {
        RequestContext.Clear();
        RequestContext.Set(CallContextKeys.AgentContainerId, containerId);
        RequestContext.Set(CallContextKeys.AgentCredential, credential);
    }

    /// <summary>A gateway's and the container's agent's proofs at once: each method sees the caller it accepts.</summary>
    public static void GatewayAndAgent(long containerId, string credential)
    {
        Gateway();
        RequestContext.Set(CallContextKeys.AgentContainerId, containerId);
        RequestContext.Set(CallContextKeys.AgentCredential, credential);
    }

    public static void Nobody() => RequestContext.Clear();

    public static void GatewayWithKey(string key)
    {
        RequestContext.Clear();
        RequestContext.Set(CallContextKeys.ServiceKey, key);
    }
}

using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Testing;

/// <summary>
/// Sets the request context exactly as the gateway's and the agent's outgoing filters do, so one client can speak as a
/// gateway, an operator, an agent (or many simulated agents, each with its own container id and credential) or nobody.
/// </summary>
public static class CallAs
{
    /// <summary>The service key of the test clusters.</summary>
    public const string ServiceKey = "test-service-key-0123456789";

    public static void Gateway() => GatewayWithKey(ServiceKey);

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

    /// <summary>A gateway of a cluster whose service key is <paramref name="key"/> (or one presenting a wrong key).</summary>
    public static void GatewayWithKey(string key)
    {
        RequestContext.Clear();
        RequestContext.Set(CallContextKeys.ServiceKey, key);
    }
}

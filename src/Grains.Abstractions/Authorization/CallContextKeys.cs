namespace ZlhGrind.Grains.Authorization;

/// <summary>Request-context keys that carry a caller's proof of identity from client to silo.</summary>
public static class CallContextKeys
{
    /// <summary>The gateway service key (shared secret of silos and gateways).</summary>
    public const string ServiceKey = "zlh.sk";

    /// <summary>Present (true) when the gateway acts for a user with the operator role.</summary>
    public const string Operator = "zlh.op";

    /// <summary>The container id an agent speaks for.</summary>
    public const string AgentContainerId = "zlh.aid";

    /// <summary>The agent's credential (base64url of 32 random bytes).</summary>
    public const string AgentCredential = "zlh.ac";
}

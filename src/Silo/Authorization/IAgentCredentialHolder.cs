namespace ZlhGrind.Silo.Authorization;

/// <summary>A grain that can check its own agent's credential (the container grains).</summary>
internal interface IAgentCredentialHolder
{
    /// <summary>True when <paramref name="credential"/> is this container's agent credential.</summary>
    bool IsAgentCredential(string credential);
}

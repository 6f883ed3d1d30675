namespace ZlhGrind.Gateway.Portal;

/// <summary>
/// The <c>AgentSetup</c> section: what the portal needs to print the exact command that starts a new container's
/// agent (the credential and the container's id and kind are filled in by the portal, once, at provisioning).
/// </summary>
public sealed class AgentSetupOptions
{
    public const string SectionName = "AgentSetup";

    /// <summary>How the agent is run inside a container (the program and its fixed arguments).</summary>
    public string Command { get; set; } = "dotnet /opt/zlh-agent/ZlhGrind.Agent.dll";

    /// <summary>Where the command stores the credential (the agent insists on mode 0600).</summary>
    public string CredentialFile { get; set; } = "/etc/zlh/agent.credential";

    /// <summary>
    /// Silo client gateways (<c>host:port</c>) as an agent reaches them; empty means the gateway's own
    /// <c>Cluster</c> settings (<c>Localhost</c>: 127.0.0.1 and <c>Cluster:GatewayPort</c>; <c>Static</c>: <c>Cluster:Gateways</c>).
    /// </summary>
    public List<string> ClusterGateways { get; set; } = [];

    /// <summary>The platform CA's PEM as the agent finds it, used when the cluster links run over TLS.</summary>
    public string CaCertificate { get; set; } = "/etc/zlh/ca.pem";

    /// <summary>Further arguments for game agents (<c>--Agent:Key=value</c>), e.g. the data root.</summary>
    public List<string> GameArguments { get; set; } = [];

    /// <summary>Further arguments for dev agents, e.g. the code-server artifact (<c>--Agent:CodeServer:ArtifactUrl=…</c>).</summary>
    public List<string> DevArguments { get; set; } = [];
}

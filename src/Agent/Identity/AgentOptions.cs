namespace ZlhGrind.Agent.Identity;

/// <summary>Who this agent is and where it keeps its files (section <c>Agent</c>).</summary>
internal sealed class AgentOptions
{
    public const string SectionName = "Agent";

    /// <summary>The container's vmid (100–999999999); the grain key and the identity in every log event.</summary>
    public long ContainerId { get; set; }

    /// <summary><c>game</c> or <c>dev</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The file holding the agent credential issued at provisioning (mode 0600).</summary>
    public string CredentialFile { get; set; } = "";

    /// <summary>The agent's own directory: server files, run directory, supervision state.</summary>
    public string DataRoot { get; set; } = "/var/lib/zlh-agent";

    public const string GameKind = "game";

    public const string DevKind = "dev";
}

namespace ZlhGrind.Agent.CodeServer;

/// <summary>The code-server addon: where its artifact is, where it listens, how long it may take (section <c>Agent:CodeServer</c>).</summary>
internal sealed class CodeServerOptions
{
    public const string SectionName = "Agent:CodeServer";

    /// <summary>Address code-server binds to; the container address by default (all interfaces).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>The ip reported to the cluster as the IDE endpoint; default: the bind address, or the first non-loopback IPv4 when binding all.</summary>
    public string? AdvertiseAddress { get; set; }

    /// <summary>The IDE port (8080: browsers refuse some lower ports such as 6000).</summary>
    public int Port { get; set; } = 8080;

    /// <summary>The code-server tar.gz in the artifact store; needed once a spec enables code-server.</summary>
    public string? ArtifactUrl { get; set; }

    public string? ArtifactSha256 { get; set; }

    public long ArtifactSizeBytes { get; set; }

    /// <summary>code-server's --auth; "none" because the gateway's IDE session is the authentication.</summary>
    public string Auth { get; set; } = "none";

    /// <summary>More code-server arguments, appended as given.</summary>
    public string[] ExtraArguments { get; set; } = [];

    /// <summary>How long a start may take until code-server answers on its port.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the port is tried while starting.</summary>
    public TimeSpan ReadyProbeInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long one readiness probe may wait for an answer (a port that accepts and never answers counts as not ready).</summary>
    public TimeSpan ReadyProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Stop code-server when the agent stops (a local stack whose Ctrl-C should stop everything); by default it
    /// keeps serving the open IDE and the next agent adopts it.
    /// </summary>
    public bool StopOnAgentStop { get; set; }

    /// <summary>How long a stop waits after SIGTERM before SIGKILL.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

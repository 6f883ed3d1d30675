namespace ZlhGrind.Grains.Containers;

// Contract records are positional: Orleans numbers primary-constructor parameters in order,
// so new parameters are only ever appended (with a default) to stay wire-compatible.

/// <summary>The one status document the portal reads for either kind of container.</summary>
[GenerateSerializer, Immutable, Alias("zlh.ContainerStatus")]
public sealed record ContainerStatus(
    long ContainerId,
    ContainerKind Kind,
    string OwnerId,
    string State,
    Connectivity Connectivity,
    DateTimeOffset? UnreachableSince,
    DateTimeOffset? LastHeartbeatAt,
    long DesiredGeneration,
    long ObservedGeneration,
    ProcessSample? Process,
    CrashSummary Crashes,
    GameStatus? Game,
    DevStatus? Dev,
    string? LastError);

/// <summary>The supervised process as the last heartbeat described it.</summary>
[GenerateSerializer, Immutable, Alias("zlh.ProcessSample")]
public sealed record ProcessSample(int? Pid, TimeSpan Uptime, double CpuPercent, long RssBytes, string AgentVersion);

/// <summary>How many crashes there were and what the last one was.</summary>
[GenerateSerializer, Immutable, Alias("zlh.CrashSummary")]
public sealed record CrashSummary(int Total, DateTimeOffset? LastAt, string? LastClassification, int? LastExitCode)
{
    public static CrashSummary None { get; } = new(0, null, null, null);
}

/// <summary>
/// Game-only parts of the status. <c>ReadyAt</c>: since when the server is ready (null unless Running);
/// <c>LastStop</c>: how the last requested stop ended (forced when it needed SIGKILL, with the reason);
/// <c>SpecGeneration</c>: the desired generation of the last spec change (provision or update); <c>RunningGeneration</c>:
/// the desired generation the running server was started with; <c>PendingRestart</c>: the server runs an older spec, and
/// the change applies at its next start; <c>Install</c>: the template install running now (name, version, phase, bytes);
/// <c>MemoryMb</c>, <c>Variables</c>, <c>DiskMb</c>, <c>CpuPercent</c>, <c>StartCommand</c>: the desired spec, for the
/// portal's Settings form.
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.GameStatus")]
public sealed record GameStatus(
    string Template,
    string DesiredPower,
    int ConsecutiveCrashes,
    DateTimeOffset? NextRestartAt,
    DateTimeOffset? ReadyAt = null,
    GameServers.StopReport? LastStop = null,
    string? TemplateVersion = null,
    GameServers.LimitsStatus? Limits = null,
    long SpecGeneration = 0,
    long? RunningGeneration = null,
    bool PendingRestart = false,
    DevContainers.InstallProgress? Install = null,
    int MemoryMb = 0,
    GameServers.VariableDictionary? Variables = null,
    int? DiskMb = null,
    int? CpuPercent = null,
    string? StartCommand = null);

/// <summary>
/// Dev-only parts of the status. <c>LastActivityAt</c> is the last IDE use the gateways saw; <c>IdleStopAt</c> is when
/// code-server will be stopped for want of it (null while it is not running or never stops by itself); <c>DiskMb</c>
/// and <c>IdleTimeout</c>: the desired spec's (null = none, the silos' default).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.DevStatus")]
public sealed record DevStatus(
    bool ProvisioningComplete,
    string Runtime,
    string RuntimeVersion,
    bool CodeServerEnabled,
    string CodeServer,
    string? IdeEndpoint,
    IReadOnlyList<DevContainers.InstalledRuntime> InstalledRuntimes,
    DevContainers.InstallProgress? Install,
    DateTimeOffset? LastActivityAt = null,
    DateTimeOffset? IdleStopAt = null,
    int? DiskMb = null,
    TimeSpan? IdleTimeout = null);

/// <summary>What provisioning returns: the id and the agent credential, shown exactly once.</summary>
[GenerateSerializer, Immutable, Alias("zlh.ProvisionResult")]
public sealed record ProvisionResult(long ContainerId, ContainerKind Kind, string AgentCredential, ContainerStatus Status);

/// <summary>One row of a container listing.</summary>
[GenerateSerializer, Immutable, Alias("zlh.ContainerSummary")]
public sealed record ContainerSummary(long ContainerId, ContainerKind Kind, string OwnerId, DateTimeOffset CreatedAt);

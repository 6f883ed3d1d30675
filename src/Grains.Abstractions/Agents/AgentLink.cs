using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Grains.Agents;

/// <summary>What an agent says when it (re)connects; a new <paramref name="InstanceId"/> means the agent process restarted.</summary>
[GenerateSerializer, Immutable, Alias("zlh.AgentHello")]
public sealed record AgentHello(Guid InstanceId, string AgentVersion, DateTimeOffset StartedAt);

/// <summary>The grain's answer to a connect: the spec to converge to and the cadence to keep.</summary>
[GenerateSerializer, Immutable, Alias("zlh.AgentSession")]
public sealed record AgentSession(DesiredSpec Spec, TimeSpan HeartbeatInterval, long LastAppliedSequence);

/// <summary>A heartbeat: observed state and process figures. Never written to storage.</summary>
[GenerateSerializer, Immutable, Alias("zlh.Heartbeat")]
public sealed record Heartbeat(
    Guid InstanceId,
    long ObservedGeneration,
    DateTimeOffset SentAt,
    int? Pid,
    TimeSpan Uptime,
    double CpuPercent,
    long RssBytes,
    string AgentVersion,
    GameObserved? Game,
    DevObserved? Dev);

/// <summary>Observed game-server facts carried by a heartbeat.</summary>
/// <remarks>
/// <c>RunningGeneration</c>: the desired generation whose spec the running (or starting) server was launched with;
/// <c>Install</c>: the template install running now (template name and version, phase, bytes).
/// </remarks>
[GenerateSerializer, Immutable, Alias("zlh.GameObserved")]
public sealed record GameObserved(GameServerState State, int ConsecutiveCrashes, DateTimeOffset? NextRestartAt, DateTimeOffset? ReadyAt = null, StopReport? LastStop = null, LimitsEnforcement? Limits = null, long? RunningGeneration = null, InstallProgress? Install = null);

/// <summary>Observed dev-container facts carried by a heartbeat.</summary>
[GenerateSerializer, Immutable, Alias("zlh.DevObserved")]
public sealed record DevObserved(
    DevContainerState State,
    CodeServerState CodeServer,
    string? IdeEndpoint,
    IReadOnlyList<InstalledRuntime> Runtimes,
    InstallProgress? Install);

/// <summary>
/// The heartbeat's answer: the desired generation (fetch the spec when it is newer), whether to re-subscribe, and until
/// when someone watches the usage (sample every 5 seconds until then).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.HeartbeatAck")]
public sealed record HeartbeatAck(long DesiredGeneration, bool ResubscribeObserver, DateTimeOffset? UsageWatchedUntil = null);

/// <summary>A batch of events from one agent instance, in sequence order.</summary>
[GenerateSerializer, Immutable, Alias("zlh.AgentReport")]
public sealed record AgentReport(Guid InstanceId, IReadOnlyList<AgentEvent> Events, int DroppedEvents);

/// <summary>
/// The highest sequence the grain has taken for the reporting instance, and why any event in the batch
/// was refused (e.g. an illegal transition). Refused events are not retried: the agent moves past them.
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.ReportAck")]
public sealed record ReportAck(long AppliedThrough, IReadOnlyList<string>? Rejected = null);

/// <summary>The desired spec: what the agent must converge to, and the generation it has; <paramref name="Deletion"/> set means "delete this container".</summary>
[GenerateSerializer, Immutable, Alias("zlh.DesiredSpec")]
public sealed record DesiredSpec(long Generation, GameDesired? Game, DevDesired? Dev, DeletionDesired? Deletion = null);

/// <summary>The container is being deleted: stop the workload, remove its data unless <paramref name="KeepData"/>, report <see cref="DeletionFinished"/>.</summary>
[GenerateSerializer, Immutable, Alias("zlh.DeletionDesired")]
public sealed record DeletionDesired(bool KeepData);

using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Grains.Agents;

/// <summary>Something an agent observed; <paramref name="Sequence"/> is per agent instance and makes redelivery harmless.</summary>
[GenerateSerializer, Immutable, Alias("zlh.AgentEvent")]
public abstract record AgentEvent(long Sequence, DateTimeOffset At);

/// <summary>
/// The game server moved to another lifecycle state; <paramref name="ReadyAt"/> when it became Running (ready), and
/// <paramref name="Stop"/> when a requested stop ended it (forced or not).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.GameStateChanged")]
public sealed record GameStateChanged(long Sequence, DateTimeOffset At, GameServerState State, string? Reason, DateTimeOffset? ReadyAt = null, StopReport? Stop = null)
    : AgentEvent(Sequence, At);

/// <summary>The game server crashed; the record carries the classification and log tail.</summary>
[GenerateSerializer, Immutable, Alias("zlh.GameCrashed")]
public sealed record GameCrashed(long Sequence, DateTimeOffset At, CrashRecord Crash)
    : AgentEvent(Sequence, At);

/// <summary>The dev container moved to another lifecycle state.</summary>
[GenerateSerializer, Immutable, Alias("zlh.DevStateChanged")]
public sealed record DevStateChanged(long Sequence, DateTimeOffset At, DevContainerState State, string? Reason)
    : AgentEvent(Sequence, At);

/// <summary>A runtime install finished, successfully or not.</summary>
[GenerateSerializer, Immutable, Alias("zlh.RuntimeInstallFinished")]
public sealed record RuntimeInstallFinished(long Sequence, DateTimeOffset At, string Runtime, string Version, bool Succeeded, string? Reason)
    : AgentEvent(Sequence, At);

/// <summary>code-server changed state.</summary>
[GenerateSerializer, Immutable, Alias("zlh.CodeServerChanged")]
public sealed record CodeServerChanged(long Sequence, DateTimeOffset At, CodeServerState State, string? Endpoint, string? Reason)
    : AgentEvent(Sequence, At);

/// <summary>The agent carried out a deletion: the workload is stopped and its data removed (<paramref name="DataRemoved"/>) or kept.</summary>
[GenerateSerializer, Immutable, Alias("zlh.DeletionFinished")]
public sealed record DeletionFinished(long Sequence, DateTimeOffset At, bool DataRemoved, string? Reason)
    : AgentEvent(Sequence, At);

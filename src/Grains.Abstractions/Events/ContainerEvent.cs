using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Grains.Events;

/// <summary>The stream every container grain publishes on, keyed by container id.</summary>
public static class ContainerEvents
{
    /// <summary>Stream provider name, configured on silos and gateways.</summary>
    public const string StreamProvider = "container-events";

    /// <summary>Stream namespace.</summary>
    public const string Namespace = "container-events";
}

/// <summary>What happened.</summary>
public enum ContainerEventKind
{
    Provisioned = 1,
    StateChanged = 2,
    Crashed = 3,
    InstallFinished = 4,
    CodeServerChanged = 5,
    ConnectivityChanged = 6,
    SpecChanged = 7,

    /// <summary>code-server will be stopped soon for want of IDE activity (<c>Ide:IdleWarning</c> before the deadline).</summary>
    IdleWarning = 8,

    /// <summary>Someone asked to keep code-server running: the idle deadline moved.</summary>
    IdleDeadlineReset = 9,

    /// <summary>A requested stop needed SIGKILL: the server did not stop gracefully (the summary says why).</summary>
    StopForced = 10,

    /// <summary>The container is gone: the last event of its id (its status is the last one it had, in state <c>Deleted</c>).</summary>
    Deleted = 11,
}

/// <summary>
/// A live event for the portal: what happened and the status right after it. <see cref="Sequence"/> numbers the
/// container's events, increasing across grain activations and silo restarts (numbers may be skipped, never reused).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.ContainerEvent")]
public sealed record ContainerEvent(
    long ContainerId,
    ContainerEventKind Kind,
    DateTimeOffset At,
    string Summary,
    ContainerStatus Status,
    CrashRecord? Crash,
    long Sequence);

/// <summary>
/// The status and the last event number read in one grain turn, and the events after the number a client last saw;
/// <see cref="Events"/> is null when they are no longer all held (the client must take the status as new).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.EventReplay")]
public sealed record EventReplay(ContainerStatus Status, long LastSequence, IReadOnlyList<ContainerEvent>? Events);

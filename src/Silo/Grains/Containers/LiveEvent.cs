using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>What an applied agent event publishes on the container's live-event stream.</summary>
/// <param name="Kind">The event's kind.</param>
/// <param name="Summary">One line for people.</param>
/// <param name="Crash">The crash record, for a crash.</param>
/// <param name="Status">The container's status right after the event (set by the link when it applies the event).</param>
internal sealed record LiveEvent(ContainerEventKind Kind, string Summary, CrashRecord? Crash = null, ContainerStatus? Status = null);

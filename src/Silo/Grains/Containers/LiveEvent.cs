using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>What an applied agent event publishes on the container's live-event stream.</summary>
internal sealed record LiveEvent(ContainerEventKind Kind, string Summary, CrashRecord? Crash = null);

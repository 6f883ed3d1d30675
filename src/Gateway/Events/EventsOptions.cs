namespace ZlhGrind.Gateway.Events;

/// <summary>The <c>Events</c> section: the live events stream.</summary>
public sealed class EventsOptions
{
    public const string SectionName = "Events";

    /// <summary>How often a comment line is sent on an idle stream so proxies and load balancers keep it open.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Events buffered for a slow reader before the oldest are dropped (the portal can re-read the status).</summary>
    public int BufferSize { get; set; } = 256;
}

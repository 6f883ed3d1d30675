namespace ZlhGrind.Silo.Grains.DevContainers;

/// <summary>The idle culling of code-server, in the <c>Ide</c> section next to the IDE token settings.</summary>
internal sealed class IdleOptions
{
    public const string SectionName = "Ide";

    /// <summary>How long code-server may go without IDE activity before it is stopped; zero = never. A dev spec may override it.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long before the stop the container's live events carry an <c>idleWarning</c>.</summary>
    public TimeSpan IdleWarning { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The stored last activity is written again once it moved on by this much (and when the grain deactivates), so
    /// several gateways' reports cost at most one write per interval; a silo crash forgets at most this much activity.
    /// </summary>
    public TimeSpan ActivityWriteInterval { get; set; } = TimeSpan.FromMinutes(1);
}

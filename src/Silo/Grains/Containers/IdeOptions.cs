namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>IDE bootstrap tokens and sessions.</summary>
internal sealed class IdeOptions
{
    public const string SectionName = "Ide";

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Live tokens or sessions kept per container; the oldest go first.</summary>
    public int MaxOpen { get; set; } = 64;
}

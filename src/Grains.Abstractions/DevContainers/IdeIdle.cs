namespace ZlhGrind.Grains.DevContainers;

/// <summary>Limits of the idle culling of code-server.</summary>
public static class IdeIdle
{
    /// <summary>The longest idle timeout a container or the configuration may ask for.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(7);
}

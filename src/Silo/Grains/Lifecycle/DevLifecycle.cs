using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Silo.Grains.Lifecycle;

/// <summary>The dev-container state machine of DESIGN §3.</summary>
internal static class DevLifecycle
{
    private static readonly Dictionary<DevContainerState, DevContainerState[]> Allowed = new()
    {
        [DevContainerState.Provisioning] = [DevContainerState.Installing, DevContainerState.Error],
        [DevContainerState.Installing] = [DevContainerState.Ready, DevContainerState.Error],

        // A new runtime or version in the desired spec sends a ready container back to installing.
        [DevContainerState.Ready] = [DevContainerState.Installing, DevContainerState.Error],
        [DevContainerState.Error] = [DevContainerState.Installing],
    };

    /// <summary>True when going from <paramref name="from"/> to <paramref name="to"/> is legal (staying put always is).</summary>
    public static bool CanMove(DevContainerState from, DevContainerState to) =>
        from == to || (Allowed.TryGetValue(from, out var next) && Array.IndexOf(next, to) >= 0);

    /// <summary>Throws <see cref="InvalidTransitionException"/> unless the move is legal.</summary>
    public static void EnsureCanMove(DevContainerState from, DevContainerState to)
    {
        if (!CanMove(from, to))
        {
            throw new InvalidTransitionException("dev container", from.ToString(), to.ToString());
        }
    }
}

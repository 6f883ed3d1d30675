namespace ZlhGrind.Agent.Limits;

/// <summary>
/// What the server's own process does before it execs the server (in the shim's child, so nothing of the server ever
/// runs outside its limits): set RLIMIT_AS to <paramref name="AddressSpaceKb"/>, and write its pid to each of
/// <paramref name="GroupProcsFiles"/> (the <c>cgroup.procs</c> of its groups).
/// </summary>
internal sealed record LaunchLimits(long? AddressSpaceKb, IReadOnlyList<string> GroupProcsFiles)
{
    public static LaunchLimits None { get; } = new(null, []);
}

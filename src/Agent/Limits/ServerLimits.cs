using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Limits;

/// <summary>One way of enforcing a server's memory and CPU limits; which one is chosen at the agent's start (<see cref="LimitsDetector"/>).</summary>
internal abstract class ServerLimits
{
    public abstract LimitsEnforcement Enforcement { get; }

    /// <summary>How long what is left in the group after the server ended is killed before the agent gives up (<c>Agent:Limits:GroupKillTimeout</c>).</summary>
    public TimeSpan GroupKillTimeout { get; set; } = new LimitsOptions().GroupKillTimeout;

    /// <summary>Makes (or updates) the server's group with these limits, and says what the server's process does before exec.</summary>
    /// <exception cref="IOException">The group could not be made or a limit not written.</exception>
    public abstract LaunchLimits Prepare(int memoryMb, int? cpuPercent);

    /// <summary>How many times the kernel's OOM killer has killed a process of the server's group so far (0 without a group).</summary>
    public virtual long OomKills() => 0;

    /// <summary>Removes the server's group (the container is deleted); a group still holding processes is left.</summary>
    public virtual void Remove()
    {
    }

    /// <summary>
    /// The <c>cgroup.procs</c> of the group that holds every process of the server, a daemon that left its process group
    /// (setsid, a double fork) included; null without a group (rlimit, none), where only the process group is in reach.
    /// </summary>
    public virtual string? MembersFile => null;

    /// <summary>Asks the kernel to kill the whole group at once (cgroup v2's <c>cgroup.kill</c>); false where it cannot.</summary>
    public virtual bool KillGroup() => false;

    /// <summary>Memory in bytes, as a cgroup file takes it.</summary>
    protected static long Bytes(int memoryMb) => memoryMb * 1024L * 1024L;
}

/// <summary>Nothing enforced.</summary>
internal sealed class NoLimits : ServerLimits
{
    public override LimitsEnforcement Enforcement => LimitsEnforcement.None;

    public override LaunchLimits Prepare(int memoryMb, int? cpuPercent) => LaunchLimits.None;
}

/// <summary>
/// RLIMIT_AS, set by the server's own process before exec (the shell's <c>ulimit -v</c>, which is setrlimit(2)): an
/// allocation past the limit fails inside the server (it prints its own out-of-memory error) instead of the kernel
/// killing it. Limits address space, not resident memory, and no CPU share.
/// </summary>
internal sealed class RlimitLimits : ServerLimits
{
    public override LimitsEnforcement Enforcement => LimitsEnforcement.Rlimit;

    public override LaunchLimits Prepare(int memoryMb, int? cpuPercent) => new(memoryMb * 1024L, []);
}

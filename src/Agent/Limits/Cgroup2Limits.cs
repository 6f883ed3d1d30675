using System.Globalization;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Limits;

/// <summary>
/// cgroup v2: one group per server under the agent's parent group (whose subtree has the memory and cpu controllers):
/// memory.max, memory.swap.max = 0 (a leak cannot escape into swap) and cpu.max. OOM kills are read from
/// memory.events' <c>oom_kill</c>.
/// </summary>
internal sealed class Cgroup2Limits(string group, TimeSpan cpuPeriod) : ServerLimits
{
    public override LimitsEnforcement Enforcement => LimitsEnforcement.Cgroup2;

    public override LaunchLimits Prepare(int memoryMb, int? cpuPercent)
    {
        Directory.CreateDirectory(group);
        CgroupFiles.Write(Path.Combine(group, "memory.max"), Bytes(memoryMb));
        var swap = Path.Combine(group, "memory.swap.max");
        if (File.Exists(swap))
        {
            CgroupFiles.Write(swap, 0);
        }

        var period = (long)cpuPeriod.TotalMicroseconds;
        var quota = cpuPercent is { } percent ? (period * percent / 100).ToString(CultureInfo.InvariantCulture) : "max";
        CgroupFiles.Write(Path.Combine(group, "cpu.max"), quota + " " + period.ToString(CultureInfo.InvariantCulture));
        return new LaunchLimits(null, [Path.Combine(group, "cgroup.procs")]);
    }

    public override long OomKills() => CgroupFiles.ReadKeyed(Path.Combine(group, "memory.events"), "oom_kill") ?? 0;

    public override string? MembersFile => Path.Combine(group, "cgroup.procs");

    // cgroup.kill exists from Linux 5.14; before it, the members are killed one by one as in v1.
    public override bool KillGroup()
    {
        var kill = Path.Combine(group, "cgroup.kill");
        if (!File.Exists(kill))
        {
            return false;
        }

        CgroupFiles.Write(kill, 1);
        return true;
    }

    public override void Remove() => CgroupFiles.TryRemoveGroup(group);
}

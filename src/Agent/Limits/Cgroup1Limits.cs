using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Limits;

/// <summary>
/// cgroup v1: a memory group (memory.limit_in_bytes, and memory.memsw.limit_in_bytes where swap is accounted, so a
/// leak cannot escape into swap) and, where the cpu controller is mounted, a cpu group (cpu.cfs_quota_us). OOM kills
/// are read from memory.oom_control's <c>oom_kill</c>.
/// </summary>
internal sealed class Cgroup1Limits(string memoryGroup, string? cpuGroup, TimeSpan cpuPeriod) : ServerLimits
{
    private const string Unlimited = "-1";

    public override LimitsEnforcement Enforcement => LimitsEnforcement.Cgroup1;

    public string MemoryGroup => memoryGroup;

    public override LaunchLimits Prepare(int memoryMb, int? cpuPercent)
    {
        Directory.CreateDirectory(memoryGroup);
        var swap = Path.Combine(memoryGroup, "memory.memsw.limit_in_bytes");
        var hasSwapAccounting = File.Exists(swap);

        // memsw must stay at least the memory limit: lift it first, set the limit, then bring it down to the same figure.
        if (hasSwapAccounting)
        {
            CgroupFiles.Write(swap, Unlimited);
        }

        CgroupFiles.Write(Path.Combine(memoryGroup, "memory.limit_in_bytes"), Bytes(memoryMb));
        if (hasSwapAccounting)
        {
            CgroupFiles.Write(swap, Bytes(memoryMb));
        }

        List<string> procs = [Path.Combine(memoryGroup, "cgroup.procs")];
        if (cpuGroup is not null)
        {
            Directory.CreateDirectory(cpuGroup);
            var period = (long)cpuPeriod.TotalMicroseconds;
            CgroupFiles.Write(Path.Combine(cpuGroup, "cpu.cfs_period_us"), period);
            CgroupFiles.Write(Path.Combine(cpuGroup, "cpu.cfs_quota_us"), cpuPercent is { } percent ? (period * percent / 100).ToString(System.Globalization.CultureInfo.InvariantCulture) : Unlimited);
            procs.Add(Path.Combine(cpuGroup, "cgroup.procs"));
        }

        return new LaunchLimits(null, procs);
    }

    // The memory group holds every process of the server (the cpu group holds the same ones).
    public override string? MembersFile => Path.Combine(memoryGroup, "cgroup.procs");

    public override long OomKills() => CgroupFiles.ReadKeyed(Path.Combine(memoryGroup, "memory.oom_control"), "oom_kill") ?? 0;

    public override void Remove()
    {
        CgroupFiles.TryRemoveGroup(memoryGroup);
        if (cpuGroup is not null)
        {
            CgroupFiles.TryRemoveGroup(cpuGroup);
        }
    }
}

using ZlhGrind.Agent.Limits;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.Limits;

/// <summary>
/// The cgroup v2 files, on a stand-in group directory: this machine's v2 hierarchy has no controllers (they are bound
/// to v1), so the kernel's side cannot run here; what the agent writes and reads can.
/// </summary>
public sealed class Cgroup2LimitsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Prepare_MemoryAndCpu_WritesMemoryMaxNoSwapAndCpuMaxAndJoinsTheGroupsProcs()
    {
        var group = Group("memory.max", "memory.swap.max", "cpu.max", "cgroup.procs");
        var limits = new Cgroup2Limits(group, TimeSpan.FromMilliseconds(100));

        var launch = limits.Prepare(64, 150);

        Assert.Equal("67108864", Read(group, "memory.max"));
        Assert.Equal("0", Read(group, "memory.swap.max"));
        Assert.Equal("150000 100000", Read(group, "cpu.max"));
        Assert.Null(launch.AddressSpaceKb);
        Assert.Equal([Path.Combine(group, "cgroup.procs")], launch.GroupProcsFiles);
    }

    [Fact]
    public void Prepare_NoCpuShare_CpuMaxIsMax()
    {
        var group = Group("memory.max", "cpu.max", "cgroup.procs");

        new Cgroup2Limits(group, TimeSpan.FromMilliseconds(100)).Prepare(512, null);

        Assert.Equal("max 100000", Read(group, "cpu.max"));
        Assert.False(File.Exists(Path.Combine(group, "memory.swap.max")));
    }

    [Fact]
    public void OomKills_MemoryEvents_ReadsTheOomKillCounter()
    {
        var group = Group();
        File.WriteAllText(Path.Combine(group, "memory.events"), "low 0\nhigh 0\nmax 12\noom 4\noom_kill 3\noom_group_kill 0\n");

        Assert.Equal(3, new Cgroup2Limits(group, TimeSpan.FromMilliseconds(100)).OomKills());
        Assert.Equal(0, new Cgroup2Limits(_dir.Combine("no-such-group"), TimeSpan.FromMilliseconds(100)).OomKills());
    }

    [Fact]
    public void Prepare_ControlFileMissing_FailsWithoutCreatingIt()
    {
        var group = Group("cgroup.procs");

        Assert.Throws<FileNotFoundException>(() => new Cgroup2Limits(group, TimeSpan.FromMilliseconds(100)).Prepare(64, null));
        Assert.False(File.Exists(Path.Combine(group, "memory.max")));
    }

    [Fact]
    public void KillGroup_KillFilePresent_WritesOneAndTheMembersAreTheGroupsProcs()
    {
        var group = Group("cgroup.kill", "cgroup.procs");
        var limits = new Cgroup2Limits(group, TimeSpan.FromMilliseconds(100));

        Assert.True(limits.KillGroup());
        Assert.Equal("1", Read(group, "cgroup.kill"));
        Assert.Equal(Path.Combine(group, "cgroup.procs"), limits.MembersFile);
    }

    [Fact]
    public void KillGroup_KernelWithoutCgroupKill_FalseAndNothingWritten()
    {
        var group = Group("cgroup.procs");

        Assert.False(new Cgroup2Limits(group, TimeSpan.FromMilliseconds(100)).KillGroup());
        Assert.False(File.Exists(Path.Combine(group, "cgroup.kill")));
    }

    private string Group(params string[] files)
    {
        var group = Directory.CreateDirectory(_dir.Combine("zlhgrind", "game-101")).FullName;
        foreach (var file in files)
        {
            File.WriteAllText(Path.Combine(group, file), "");
        }

        return group;
    }

    private static string Read(string group, string file) => File.ReadAllText(Path.Combine(group, file));
}

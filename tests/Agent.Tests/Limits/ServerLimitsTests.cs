using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using ZlhGrind.Agent.Limits;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Testing;

namespace ZlhGrind.Agent.Tests.Limits;

/// <summary>
/// Memory and CPU limits on real processes. This machine and CI have the hybrid layout (cgroup v1 memory and cpu, a
/// cgroup2 hierarchy without controllers), so the cgroup facts run on v1; the groups live under a test parent group.
/// </summary>
public sealed class ServerLimitsTests : IDisposable
{
    private const int SmallLimitMb = 64;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // Allocates about 200 MB in the shell's own memory (command substitution keeps the whole output).
    private const string Allocate = "x=$(head -c 200000000 /dev/zero | tr '\\0' a)\necho \"allocated ${#x}\"";

    private readonly TempDirectory _dir = new();
    private readonly LimitsOptions _options = new() { ParentGroup = "zlhgrind-tests" };
    private readonly string _group = "t-" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<ServerLimits> _made = [];

    public void Dispose()
    {
        foreach (var limits in _made)
        {
            limits.Remove();
        }

        _dir.Dispose();
    }

    [RootFact]
    public void Detect_HybridMachine_ChoosesCgroup1()
    {
        var limits = Made(LimitsDetector.Detect(_options, _group, NullLogger.Instance));

        Assert.Equal(LimitsEnforcement.Cgroup1, limits.Enforcement);
        Assert.True(Directory.Exists(Path.Combine(_options.CgroupRoot, "memory", _options.ParentGroup)));
    }

    [Fact]
    public void Detect_NoCgroupHierarchy_FallsBackToRlimit()
    {
        var options = new LimitsOptions { CgroupRoot = _dir.Combine("no-cgroups") };

        var limits = LimitsDetector.Detect(options, _group, NullLogger.Instance);

        Assert.Equal(LimitsEnforcement.Rlimit, limits.Enforcement);
        var launch = limits.Prepare(1024, 50);
        Assert.Equal(1024L * 1024, launch.AddressSpaceKb);
        Assert.Empty(launch.GroupProcsFiles);
    }

    [Fact]
    public void Detect_ForcedNone_EnforcesNothing()
    {
        var limits = LimitsDetector.Detect(new LimitsOptions { Enforcement = "none" }, _group, NullLogger.Instance);

        Assert.Equal(LimitsEnforcement.None, limits.Enforcement);
        Assert.Same(LaunchLimits.None, limits.Prepare(1024, 50));
    }

    [RootFact]
    public async Task Start_Cgroup1_ServerAndItsChildrenRunInsideTheGroupWithTheLimits()
    {
        var limits = Cgroup1();
        await using var harness = new SupervisorHarness(_dir, limits: limits);
        var script = _dir.Script("server.sh", "cat /proc/self/cgroup\necho ready\nwhile read line; do :; done");
        var supervisor = harness.Create();
        supervisor.Configure(SupervisorHarness.Spec(script, memoryMb: SmallLimitMb, cpuPercent: 50));
        await supervisor.StartAsync();
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("ready", StringComparison.Ordinal), Patience, "the server printed its groups");
        var tail = supervisor.ReadLogTail();
        Assert.Contains($"memory:/{_options.ParentGroup}/{_group}", tail, StringComparison.Ordinal);
        Assert.Contains($"cpu:/{_options.ParentGroup}/{_group}", tail, StringComparison.Ordinal);
        var pid = supervisor.Observe().Pid!.Value.ToString(CultureInfo.InvariantCulture);
        Assert.Contains(pid, File.ReadAllLines(Path.Combine(limits.MemoryGroup, "cgroup.procs")));
        Assert.Equal((SmallLimitMb * 1024L * 1024L).ToString(CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(limits.MemoryGroup, "memory.limit_in_bytes")).Trim());
        Assert.Equal("50000", File.ReadAllText(Path.Combine(CpuGroup(), "cpu.cfs_quota_us")).Trim());
        Assert.Equal(LimitsEnforcement.Cgroup1, supervisor.Observe().Observed.Limits);

        await supervisor.PowerAsync(PowerAction.Kill, CancellationToken.None);
        await harness.Events.StateAsync(GameServerState.Stopped);
    }

    [RootFact]
    public async Task Crash_AllocatesPastCgroupMemoryLimit_ClassifiedOomByTheKernelsCount()
    {
        var limits = Cgroup1();
        await using var harness = new SupervisorHarness(_dir, limits: limits);
        var supervisor = harness.Create();
        supervisor.Configure(SupervisorHarness.Spec(_dir.Script("server.sh", "echo starting\n" + Allocate), memoryMb: SmallLimitMb));
        await supervisor.StartAsync();
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        var crash = await harness.Events.CrashAsync(1);

        Assert.Equal(CrashClassification.Oom, crash.Classification);
        Assert.Equal(9, crash.Signal);
        Assert.Null(crash.ExitCode);
        // The server printed nothing about memory: the group's count decided.
        Assert.StartsWith("starting\n", crash.LogTail, StringComparison.Ordinal);
        Assert.DoesNotContain("memory", crash.LogTail, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, limits.OomKills());
        Assert.Equal(GameServerState.Crashed, supervisor.State);

        // The container is deleted: its groups go with it.
        limits.Remove();
        Assert.False(Directory.Exists(limits.MemoryGroup));
        Assert.False(Directory.Exists(CpuGroup()));
    }

    [Fact]
    public async Task Crash_AllocatesPastRlimit_AllocationFailsAndTheLogSaysOom()
    {
        await using var harness = new SupervisorHarness(_dir, limits: new RlimitLimits());
        var supervisor = harness.Create();
        supervisor.Configure(SupervisorHarness.Spec(
            _dir.Script("server.sh", "exec /usr/bin/python3 -c 'bytearray(200 * 1024 * 1024)'"), memoryMb: SmallLimitMb));
        await supervisor.StartAsync();
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        var crash = await harness.Events.CrashAsync(1);

        Assert.Equal(CrashClassification.Oom, crash.Classification);
        Assert.Equal(1, crash.ExitCode);
        Assert.EndsWith("MemoryError", crash.LogTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_GroupCannotBeJoined_ServerNeverRuns()
    {
        var marker = _dir.Combine("server", "ran");
        var procs = _dir.Combine("no-such-group", "cgroup.procs");
        await using var harness = new SupervisorHarness(_dir, limits: new UnjoinableGroup(procs));
        var supervisor = harness.Create();
        supervisor.Configure(SupervisorHarness.Spec(_dir.Script("server.sh", "touch " + marker + "\nwhile read line; do :; done")));
        await supervisor.StartAsync();
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        var crash = await harness.Events.CrashAsync(1);

        Assert.Equal(91, crash.ExitCode);
        Assert.Equal(CrashClassification.NonzeroExit, crash.Classification);
        Assert.EndsWith("\nzlh-shim: could not place the server in the cgroup of " + procs, crash.LogTail, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    private Cgroup1Limits Cgroup1() =>
        Made(LimitsDetector.TryCgroup1(_options, _group, out var why) ?? throw new InvalidOperationException("no cgroup v1 here: " + why));

    private string CpuGroup() => Path.Combine(_options.CgroupRoot, "cpu", _options.ParentGroup, _group);

    private T Made<T>(T limits)
        where T : ServerLimits
    {
        _made.Add(limits);
        return limits;
    }

    /// <summary>A group whose cgroup.procs cannot be written: the server's process must not go on to exec.</summary>
    private sealed class UnjoinableGroup(string procs) : ServerLimits
    {
        public override LimitsEnforcement Enforcement => LimitsEnforcement.Cgroup2;

        public override LaunchLimits Prepare(int memoryMb, int? cpuPercent) => new(null, [procs]);
    }
}

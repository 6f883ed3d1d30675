using System.Globalization;
using ZlhGrind.Agent.Limits;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Testing;

namespace ZlhGrind.Agent.Tests.Limits;

/// <summary>
/// A daemon the server started that escaped its process group (setsid) dies with the server, on this machine's real
/// cgroup v1 (the groups live under a test parent group); without a group, the shim's process group does.
/// </summary>
public sealed class LeftoverKillTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _dir = new();
    private readonly LimitsOptions _options = new() { ParentGroup = "zlhgrind-tests" };
    private readonly string _group = "k-" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<ProcessIdentity> _started = [];
    private Cgroup1Limits? _limits;

    public void Dispose()
    {
        // A test that failed must not leave its sleeper behind.
        foreach (var process in _started)
        {
            Signals.Send(process, Signals.Kill);
        }

        _limits?.Remove();
        _dir.Dispose();
    }

    [RootFact]
    public async Task Stop_DaemonEscapedBySetsid_IsKilledAndTheStopReportedAsBefore()
    {
        var limits = Cgroup1();
        await using var harness = new SupervisorHarness(_dir, limits: limits);
        var supervisor = harness.Create();
        supervisor.Configure(SupervisorHarness.Spec(_dir.Script("server.sh", Daemon() + "echo ready\nwhile read line; do :; done")));
        await supervisor.StartAsync();
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        var daemon = await DaemonAsync();
        Assert.Contains(daemon.ToString(CultureInfo.InvariantCulture), File.ReadAllLines(limits.MembersFile!));
        Assert.NotEqual(ProcStat.TryRead(supervisor.Observe().Pid!.Value)!.Value.ProcessGroup, ProcStat.TryRead(daemon)!.Value.ProcessGroup);

        await supervisor.PowerAsync(PowerAction.Stop, CancellationToken.None);

        Assert.False(IsLiving(daemon));
        Assert.Empty(Leftovers.ReadMembers(limits.MembersFile!));
        var stopped = harness.Events.All.OfType<GameStateChanged>().Last();
        Assert.Equal(GameServerState.Stopped, stopped.State);
        Assert.Equal(new StopReport(harness.Time.GetUtcNow(), Forced: false, "stopped on request (signal 15)"), stopped.Stop);
    }

    [RootFact]
    public async Task Crash_DaemonEscapedBySetsid_IsKilledBeforeTheCrashIsHandled()
    {
        var limits = Cgroup1();
        await using var harness = new SupervisorHarness(_dir, limits: limits);
        var supervisor = harness.Create();
        supervisor.Configure(SupervisorHarness.Spec(_dir.Script("server.sh", Daemon() + "exit 3")));
        await supervisor.StartAsync();
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        var crash = await harness.Events.CrashAsync(1);

        var daemon = await DaemonAsync();
        Assert.False(IsLiving(daemon));
        Assert.Empty(Leftovers.ReadMembers(limits.MembersFile!));
        Assert.Equal(3, crash.ExitCode);
        Assert.Equal(CrashClassification.NonzeroExit, crash.Classification);
        Assert.Equal(TimeSpan.FromSeconds(30), crash.RestartDelay);
        Assert.Equal(GameServerState.Crashed, supervisor.State);
    }

    [Fact]
    public async Task Crash_NoGroup_ChildLeftInTheProcessGroupIsKilled()
    {
        await using var harness = new SupervisorHarness(_dir, limits: new RlimitLimits());
        var supervisor = harness.Create();
        supervisor.Configure(SupervisorHarness.Spec(_dir.Script("server.sh", Daemon(ownSession: false) + "exit 3")));
        await supervisor.StartAsync();
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        var crash = await harness.Events.CrashAsync(1);

        var child = await DaemonAsync();
        await Wait.UntilAsync(() => !IsLiving(child), Patience, "the child in the shim's process group was killed");
        Assert.Equal(3, crash.ExitCode);
        Assert.Equal(CrashClassification.NonzeroExit, crash.Classification);
    }

    [RootFact]
    public async Task StopForAgentShutdown_Cgroup1_StopsTheServerAndRemovesItsGroup()
    {
        var limits = Cgroup1();
        await using var harness = new SupervisorHarness(_dir, limits: limits);
        var supervisor = harness.Create();
        supervisor.Configure(SupervisorHarness.Spec(_dir.Script("server.sh", Daemon() + "while read line; do :; done")));
        await supervisor.StartAsync();
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        var daemon = await DaemonAsync();
        Assert.True(Directory.Exists(limits.MemoryGroup));

        await supervisor.StopForAgentShutdownAsync(CancellationToken.None);

        Assert.False(IsLiving(daemon));
        Assert.Equal(GameServerState.Stopped, supervisor.State);
        Assert.False(Directory.Exists(limits.MemoryGroup));
        Assert.False(Directory.Exists(Path.Combine(_options.CgroupRoot, "cpu", _options.ParentGroup, _group)));
    }

    private string PidFile => _dir.Combine("daemon.pid");

    /// <summary>Starts a sleeper, by default in a session of its own (it writes its pid atomically), then waits until it did.</summary>
    private string Daemon(bool ownSession = true) =>
        (ownSession ? "setsid " : "") + "sh -c 'echo $$ > " + PidFile + ".tmp && mv " + PidFile + ".tmp " + PidFile + "; exec sleep 1000' </dev/null >/dev/null 2>&1 &\n"
        + "until [ -s " + PidFile + " ]; do sleep 0.01; done\n";

    private async Task<int> DaemonAsync()
    {
        await Wait.UntilAsync(() => File.Exists(PidFile), Patience, "the daemon wrote its pid");
        var pid = int.Parse(File.ReadAllText(PidFile).Trim(), CultureInfo.InvariantCulture);
        if (ProcessIdentity.TryRead(pid) is { } identity)
        {
            _started.Add(identity);
        }

        return pid;
    }

    // Killed is dead: a zombie waits only for its (new) parent to reap it.
    private static bool IsLiving(int pid) => ProcStat.TryRead(pid) is { IsLiving: true };

    private Cgroup1Limits Cgroup1() =>
        _limits = LimitsDetector.TryCgroup1(_options, _group, out var why) ?? throw new InvalidOperationException("no cgroup v1 here: " + why);
}

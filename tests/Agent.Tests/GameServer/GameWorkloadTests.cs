using Microsoft.Extensions.Logging.Abstractions;
using ZlhGrind.Agent.GameServer;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Supervision;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Agent.Workloads;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.GameServer;

/// <summary>Desired specs become power actions exactly once, also across agent restarts.</summary>
public sealed class GameWorkloadTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Server => _dir.Script("server.sh", """
        echo "Done"
        while read line; do
          if [ "$line" = stop ]; then exit 0; fi
        done
        """);

    [Fact]
    public async Task ApplyAsync_PowerRequests_EachAppliedOnceAndNotRepeatedByTheNextAgent()
    {
        await using var harness = new SupervisorHarness(_dir);
        var spec = SupervisorHarness.Spec(Server, "stop");
        var workload = Create(harness);
        await workload.StartAsync(CancellationToken.None);

        await workload.ApplyAsync(new DesiredSpec(2, new GameDesired(spec, DesiredPower.Stopped, 0, null), null), CancellationToken.None);
        await workload.WhenIdleAsync();
        Assert.Equal(GameServerState.Stopped, workload.Supervisor.State);

        await workload.ApplyAsync(new DesiredSpec(3, new GameDesired(spec, DesiredPower.Running, 1, PowerAction.Start), null), CancellationToken.None);
        await workload.WhenIdleAsync();
        var pid = workload.Snapshot().Pid;
        Assert.NotNull(pid);
        Assert.Equal(3, workload.Snapshot().ObservedGeneration);

        // The same generation again (a reconnect hands it over once more) does nothing.
        await workload.ApplyAsync(new DesiredSpec(3, new GameDesired(spec, DesiredPower.Running, 1, PowerAction.Start), null), CancellationToken.None);
        await workload.WhenIdleAsync();
        Assert.Equal(pid, workload.Snapshot().Pid);

        // A restart request restarts once.
        await workload.ApplyAsync(new DesiredSpec(4, new GameDesired(spec, DesiredPower.Running, 2, PowerAction.Restart), null), CancellationToken.None);
        await workload.WhenIdleAsync();
        var restartedPid = workload.Snapshot().Pid;
        Assert.NotNull(restartedPid);
        Assert.NotEqual(pid, restartedPid);
        await workload.StopAsync(CancellationToken.None);

        // The next agent gets the same spec on connect and must not restart again.
        var events = new RecordingEvents(harness.Time);
        var next = Create(harness, events);
        await next.StartAsync(CancellationToken.None);
        await next.ApplyAsync(new DesiredSpec(4, new GameDesired(spec, DesiredPower.Running, 2, PowerAction.Restart), null), CancellationToken.None);
        await next.WhenIdleAsync();
        Assert.Equal(restartedPid, next.Snapshot().Pid);
        Assert.Empty(events.All);
        Assert.Empty(harness.Events.Crashes);

        await next.ApplyAsync(new DesiredSpec(5, new GameDesired(spec, DesiredPower.Stopped, 3, PowerAction.Stop), null), CancellationToken.None);
        await next.WhenIdleAsync();
        Assert.Equal(GameServerState.Stopped, next.Supervisor.State);
        Assert.Null(next.Snapshot().Pid);
        await next.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ApplyAsync_UpdatedSpecWhileRunning_RunningServerKeepsItsSpecAndTheRestartRunsTheNewOne()
    {
        await using var harness = new SupervisorHarness(_dir);
        var workload = Create(harness);
        await workload.StartAsync(CancellationToken.None);
        var before = SupervisorHarness.Spec(Server, "stop") with { StartCommand = $"sh {Server} motd=before" };
        var after = before with { StartCommand = $"sh {Server} motd=after", MemoryMb = 1024 };

        await workload.ApplyAsync(new DesiredSpec(1, new GameDesired(before, DesiredPower.Running, 0, null), null), CancellationToken.None);
        await workload.WhenIdleAsync();
        var first = workload.Snapshot();
        Assert.Equal(1L, first.Game!.RunningGeneration);
        await ArgvShowsAsync(first.Pid!.Value, "motd=before");

        // The update (a new generation, no power request): the running server is left alone, and says which spec it runs.
        await workload.ApplyAsync(new DesiredSpec(2, new GameDesired(after, DesiredPower.Running, 0, null), null), CancellationToken.None);
        await workload.WhenIdleAsync();
        var updated = workload.Snapshot();
        Assert.Equal((first.Pid, 2L, 1L), (updated.Pid, updated.ObservedGeneration, updated.Game!.RunningGeneration));
        await ArgvShowsAsync(updated.Pid!.Value, "motd=before");

        await workload.ApplyAsync(new DesiredSpec(3, new GameDesired(after, DesiredPower.Running, 1, PowerAction.Restart), null), CancellationToken.None);
        await workload.WhenIdleAsync();
        var restarted = workload.Snapshot();
        Assert.NotEqual(first.Pid, restarted.Pid);
        Assert.Equal(3L, restarted.Game!.RunningGeneration);
        await ArgvShowsAsync(restarted.Pid!.Value, "motd=after");
        Assert.DoesNotContain("motd=before", CommandLine(restarted.Pid!.Value), StringComparison.Ordinal);
        await workload.StopAsync(CancellationToken.None);

        // The next agent reattaches and still knows which spec the server runs.
        var next = Create(harness);
        await next.StartAsync(CancellationToken.None);
        Assert.Equal((restarted.Pid, 3L), (next.Snapshot().Pid, next.Snapshot().Game!.RunningGeneration));
        await next.ApplyAsync(new DesiredSpec(4, new GameDesired(after, DesiredPower.Stopped, 2, PowerAction.Stop), null), CancellationToken.None);
        await next.WhenIdleAsync();
        Assert.Null(next.Snapshot().Game!.RunningGeneration);
        await next.StopAsync(CancellationToken.None);
    }

    /// <summary>A process's argv as the kernel holds it, words joined by spaces (empty while the kernel has none to show).</summary>
    private static string CommandLine(int pid) => File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');

    /// <summary>
    /// Waits until the process's argv holds <paramref name="word"/>: the pid is reported when the shim launched it, and its
    /// argv reads empty or as the shim's until the server's exec is done.
    /// </summary>
    private static Task ArgvShowsAsync(int pid, string word) =>
        ZlhGrind.Testing.Wait.UntilAsync(() => CommandLine(pid).Contains(word, StringComparison.Ordinal), ZlhGrind.Testing.Wait.Patience, $"process {pid} runs with {word}");

    [Fact]
    public async Task ApplyAsync_FreshContainerMeantToRun_StartsWithoutARequest()
    {
        await using var harness = new SupervisorHarness(_dir);
        var workload = Create(harness);
        await workload.StartAsync(CancellationToken.None);

        await workload.ApplyAsync(new DesiredSpec(1, new GameDesired(SupervisorHarness.Spec(Server, "stop"), DesiredPower.Running, 0, null), null), CancellationToken.None);
        await workload.WhenIdleAsync();

        Assert.Equal(GameServerState.Running, workload.Supervisor.State);
        await workload.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ApplyAsync_SpecWithoutGamePart_IsIgnored()
    {
        await using var harness = new SupervisorHarness(_dir);
        var workload = Create(harness);
        await workload.StartAsync(CancellationToken.None);

        await workload.ApplyAsync(new DesiredSpec(7, null, null), CancellationToken.None);

        Assert.Equal(0, workload.Snapshot().ObservedGeneration);
        Assert.Equal(GameServerState.Stopped, workload.Supervisor.State);
        await workload.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task DeleteAsync_RunningServer_StopsItRemovesTheDataAndNeverWritesTheStateAgain()
    {
        await using var harness = new SupervisorHarness(_dir);
        var workload = CreateWithData(harness);
        var launch = await RunningAsync(workload);

        var outcome = await workload.DeleteAsync(keepData: false, CancellationToken.None);

        Assert.Equal(new DeletionOutcome(DataRemoved: true, null), outcome);
        Assert.False(launch.Server.IsAlive());
        Assert.Equal(GameServerState.Stopped, workload.Supervisor.State);
        Assert.All(DataDirectories, d => Assert.False(Directory.Exists(d)));

        // The agent then shuts down (the grain took the confirmation): its supervisor used to save
        // supervision.json on the way out, recreating the state directory the deletion had just removed.
        await workload.StopAsync(CancellationToken.None);
        Assert.False(Directory.Exists(_dir.Combine("state")));

        // A late desired spec (a reconnect hands one over again) starts nothing.
        await workload.ApplyAsync(new DesiredSpec(9, new GameDesired(SupervisorHarness.Spec(Server, "stop"), DesiredPower.Running, 5, PowerAction.Start), null), CancellationToken.None);
        await workload.WhenIdleAsync();
        Assert.Null(workload.Snapshot().Pid);
        Assert.False(Directory.Exists(_dir.Combine("state")));
    }

    [Fact]
    public async Task DeleteAsync_KeepData_StopsTheServerAndLeavesEveryDirectory()
    {
        await using var harness = new SupervisorHarness(_dir);
        var workload = CreateWithData(harness);
        var launch = await RunningAsync(workload);

        var outcome = await workload.DeleteAsync(keepData: true, CancellationToken.None);
        await workload.StopAsync(CancellationToken.None);

        Assert.Equal(new DeletionOutcome(DataRemoved: false, null), outcome);
        Assert.False(launch.Server.IsAlive());
        Assert.All(DataDirectories, d => Assert.True(Directory.Exists(d)));
        Assert.Equal(GameServerState.Stopped, SupervisionState.TryLoad(_dir.Combine("state", "supervision.json"))?.State);
    }

    private string[] DataDirectories => [_dir.Combine("server"), _dir.Combine("run"), _dir.Combine("state")];

    private GameWorkload CreateWithData(SupervisorHarness harness) =>
        new(harness.Create(), _dir.Combine("state", "applied.json"), stopServerOnAgentStop: false, NullLogger<GameWorkload>.Instance, DataDirectories);

    /// <summary>Starts the server through a desired spec and returns its launch record (the run directory goes with a deletion).</summary>
    private async Task<LaunchRecord> RunningAsync(GameWorkload workload)
    {
        await workload.StartAsync(CancellationToken.None);
        await workload.ApplyAsync(new DesiredSpec(1, new GameDesired(SupervisorHarness.Spec(Server, "stop"), DesiredPower.Running, 0, null), null), CancellationToken.None);
        await workload.WhenIdleAsync();
        Assert.Equal(GameServerState.Running, workload.Supervisor.State);
        var launch = LaunchRecord.TryLoad(new RunDirectory(_dir.Combine("run")).LaunchFile);
        Assert.NotNull(launch);
        Assert.True(launch.Server.IsAlive());
        return launch;
    }

    private GameWorkload Create(SupervisorHarness harness, RecordingEvents? events = null) =>
        new(harness.Create(events), _dir.Combine("state", "applied.json"), stopServerOnAgentStop: false, NullLogger<GameWorkload>.Instance);
}

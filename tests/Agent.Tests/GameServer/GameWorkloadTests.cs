using Microsoft.Extensions.Logging.Abstractions;
using ZlhGrind.Agent.GameServer;
using ZlhGrind.Agent.Tests.TestSupport;
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

    private GameWorkload Create(SupervisorHarness harness, RecordingEvents? events = null) =>
        new(harness.Create(events), _dir.Combine("state", "applied.json"), stopServerOnAgentStop: false, NullLogger<GameWorkload>.Instance);
}

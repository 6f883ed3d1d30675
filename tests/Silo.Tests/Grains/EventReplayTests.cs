using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

public sealed class EventReplayTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    /// <summary>Stopped, Starting, Running, Stopping: four transitions, four events, back where it began.</summary>
    private static readonly GameServerState[] Cycle = [GameServerState.Starting, GameServerState.Running, GameServerState.Stopping, GameServerState.Stopped];

    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task GetEventsSince_ClientMissedTwoEvents_GetsExactlyThoseInOrder()
    {
        var (grain, credential) = await GameAsync(Client);
        CallAs.Gateway();
        var baseline = await grain.GetEventsSinceAsync(Alice, null);

        await ReportStatesAsync(grain, credential, Guid.NewGuid(), 1, GameServerState.Installing, GameServerState.Stopped);
        CallAs.Gateway();
        var replay = await grain.GetEventsSinceAsync(Alice, baseline.LastSequence);

        Assert.Equal(1, baseline.LastSequence);
        Assert.Empty(baseline.Events!);
        Assert.Equal("Provisioning", baseline.Status.State);
        Assert.Equal(3, replay.LastSequence);
        Assert.Equal([2L, 3L], replay.Events!.Select(e => e.Sequence));
        Assert.Equal(["now Installing", "now Stopped"], replay.Events!.Select(e => e.Summary));
        Assert.All(replay.Events!, e => Assert.Equal(ContainerEventKind.StateChanged, e.Kind));
        Assert.Equal("Stopped", replay.Status.State);
    }

    [Fact]
    public async Task Report_RestartInOneReport_EachEventCarriesTheStateRightAfterIt()
    {
        var (grain, credential) = await GameAsync(Client);
        CallAs.Gateway();
        var baseline = await grain.GetEventsSinceAsync(Alice, null);

        // An agent that restarts between two heartbeats reports the whole restart at once.
        GameServerState[] states = [GameServerState.Installing, GameServerState.Stopped, .. Cycle, .. Cycle[..2]];
        await ReportStatesAsync(grain, credential, Guid.NewGuid(), 1, states);
        CallAs.Gateway();
        var replay = await grain.GetEventsSinceAsync(Alice, baseline.LastSequence);

        Assert.Equal(
            ["Installing", "Stopped", "Starting", "Running", "Stopping", "Stopped", "Starting", "Running"],
            replay.Events!.Select(e => e.Status.State));
        Assert.Equal(["now Installing", "now Stopped", "now Starting", "now Running", "now Stopping", "now Stopped", "now Starting", "now Running"], replay.Events!.Select(e => e.Summary));
        Assert.Equal("Running", replay.Status.State);
    }

    [Fact]
    public async Task GetEventsSince_GapOlderThanTheBuffer_ReturnsNoEventsSoTheClientResyncs()
    {
        var (grain, credential) = await GameAsync(Client);
        var states = new List<GameServerState> { GameServerState.Installing, GameServerState.Stopped };
        for (var i = 0; i < 16; i++)
        {
            states.AddRange(Cycle);
        }

        // Provisioned is event 1, the 66 transitions 2..67; the buffer keeps the newest 64 (4..67).
        await ReportStatesAsync(grain, credential, Guid.NewGuid(), 1, [.. states]);
        CallAs.Gateway();
        var tooOld = await grain.GetEventsSinceAsync(Alice, 2);
        var oldestHeld = await grain.GetEventsSinceAsync(Alice, 3);

        Assert.Equal(67, tooOld.LastSequence);
        Assert.Null(tooOld.Events);
        Assert.Equal("Stopped", tooOld.Status.State);
        Assert.Equal(Enumerable.Range(4, 64).Select(n => (long)n), oldestHeld.Events!.Select(e => e.Sequence));
    }

    [Fact]
    public async Task GetEventsSince_AfterReactivation_NumbersContinueAboveAndOldNumbersResync()
    {
        var (grain, credential) = await GameAsync(Client);
        CallAs.Gateway();
        await fixture.Cluster.DeactivateAsync(grain);
        var afterRestart = await grain.GetEventsSinceAsync(Alice, 1);

        await ReportStatesAsync(grain, credential, Guid.NewGuid(), 1, GameServerState.Installing);
        CallAs.Gateway();
        var next = await grain.GetEventsSinceAsync(Alice, afterRestart.LastSequence);

        // Provisioning reserved 1..1024; the new activation starts above them and never gives 1 again.
        Assert.Equal(1024, afterRestart.LastSequence);
        Assert.Null(afterRestart.Events);
        Assert.Equal(1025, Assert.Single(next.Events!).Sequence);
    }

    [Fact]
    public async Task GetEventsSince_Stranger_IsNotFoundAndSeesNothing()
    {
        var (grain, _) = await GameAsync(Client);
        CallAs.Gateway();

        var error = await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetEventsSinceAsync(Bob, 0));

        Assert.Equal($"Container {grain.GetPrimaryKeyLong()} was not found.", error.Message);
    }
}

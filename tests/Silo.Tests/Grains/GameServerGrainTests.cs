using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

public sealed class GameServerGrainTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task Provision_NewContainer_ReturnsCredentialOnceAndProvisioningStatus()
    {
        var id = Ids.Next();
        CallAs.Gateway();
        var result = await Client.GetGrain<IGameServerGrain>(id).ProvisionAsync(Alice, Minecraft);

        Assert.Equal(id, result.ContainerId);
        Assert.Equal(ContainerKind.Game, result.Kind);
        Assert.Equal(43, result.AgentCredential.Length);
        Assert.Equal("Provisioning", result.Status.State);
        Assert.Equal("alice", result.Status.OwnerId);
        Assert.Equal(Connectivity.Unknown, result.Status.Connectivity);
        Assert.Equal(1, result.Status.DesiredGeneration);
        Assert.Equal("generic", result.Status.Game!.Template);
    }

    [Fact]
    public async Task Provision_Twice_IsAConflict()
    {
        var (grain, _) = await GameAsync(Client);

        CallAs.Gateway();
        await Assert.ThrowsAsync<ContainerConflictException>(() => grain.ProvisionAsync(Alice, Minecraft));
    }

    [Theory]
    [InlineData("Minecraft", "java -jar s.jar", 2048)]
    [InlineData("", "java -jar s.jar", 2048)]
    [InlineData("generic", "", 2048)]
    [InlineData("generic", "java\n-jar", 2048)]
    [InlineData("generic", "java -jar s.jar", 64)]
    public async Task Provision_InvalidSpec_IsRefusedWithAReason(string template, string start, int memoryMb)
    {
        CallAs.Gateway();
        var grain = Client.GetGrain<IGameServerGrain>(Ids.Next());

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.ProvisionAsync(Alice, new GameServerSpec(template, start, "stop", memoryMb)));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetStatusAsync(Alice));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(99)]
    [InlineData(1_000_000_000)]
    public async Task Provision_IdOutsideTheVmidRange_IsRefused(long id)
    {
        CallAs.Gateway();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => Client.GetGrain<IGameServerGrain>(id).ProvisionAsync(Alice, Minecraft));

        Assert.Contains("Container ids run from 100 to 999999999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStatus_NonOwner_IsNotFoundButOperatorSeesIt()
    {
        var (grain, _) = await GameAsync(Client);

        CallAs.Gateway();
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetStatusAsync(Bob));
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.PowerAsync(Bob, PowerAction.Kill));
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetCrashesAsync(Bob));
        Assert.Equal("alice", (await grain.GetStatusAsync(Ops)).OwnerId);
    }

    [Fact]
    public async Task GetStatus_NeverProvisioned_IsNotFound()
    {
        CallAs.Gateway();
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => Client.GetGrain<IGameServerGrain>(Ids.Next()).GetStatusAsync(Ops));
    }

    [Fact]
    public async Task Report_FullLegalLifecycle_StatusFollowsEveryTransition()
    {
        var (grain, credential) = await GameAsync(Client);
        var instance = Guid.NewGuid();
        GameServerState[] path =
        [
            GameServerState.Installing, GameServerState.Stopped, GameServerState.Starting, GameServerState.Running,
            GameServerState.Crashed, GameServerState.Starting, GameServerState.Running, GameServerState.Stopping,
            GameServerState.Stopped, GameServerState.Starting, GameServerState.Crashed, GameServerState.Error,
            GameServerState.Starting, GameServerState.Running,
        ];

        for (var i = 0; i < path.Length; i++)
        {
            var ack = await ReportStatesAsync(grain, credential, instance, i + 1, path[i]);
            Assert.Null(ack.Rejected);
            Assert.Equal(i + 1, ack.AppliedThrough);
            CallAs.Gateway();
            Assert.Equal(path[i].ToString(), (await grain.GetStatusAsync(Alice)).State);
        }
    }

    [Fact]
    public async Task Report_IllegalTransition_IsRefusedAndStateStays()
    {
        var (grain, credential) = await GameAsync(Client);
        var instance = Guid.NewGuid();
        await ReportStatesAsync(grain, credential, instance, 1, GameServerState.Installing, GameServerState.Stopped);

        var ack = await ReportStatesAsync(grain, credential, instance, 3, GameServerState.Running);

        Assert.Equal(3, ack.AppliedThrough);
        var reason = Assert.Single(ack.Rejected!);
        Assert.Contains("cannot go from Stopped to Running", reason, StringComparison.Ordinal);
        CallAs.Gateway();
        Assert.Equal("Stopped", (await grain.GetStatusAsync(Alice)).State);
    }

    [Fact]
    public async Task Report_ReadyThenForcedStop_StatusCarriesReadyAtThenLastStopAndAStopForcedEvent()
    {
        var (grain, credential) = await GameAsync(Client);
        var instance = Guid.NewGuid();
        var readyAt = DateTimeOffset.UnixEpoch.AddMinutes(3);
        var stop = new StopReport(DateTimeOffset.UnixEpoch.AddMinutes(9), Forced: true, "stop command ignored for 30 s; ended by SIGKILL (signal 9)");
        await ReportStatesAsync(grain, credential, instance, 1, GameServerState.Installing, GameServerState.Stopped, GameServerState.Starting);
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.ReportAsync(new AgentReport(instance, [new GameStateChanged(4, readyAt, GameServerState.Running, "ready: console matched x", readyAt)], 0));
        CallAs.Gateway();
        var running = await grain.GetStatusAsync(Alice);
        var before = (await grain.GetEventsSinceAsync(Alice, null)).LastSequence;

        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.ReportAsync(new AgentReport(instance, [
            new GameStateChanged(5, stop.At, GameServerState.Stopping, "stop requested"),
            new GameStateChanged(6, stop.At, GameServerState.Stopped, stop.Reason, Stop: stop)], 0));
        CallAs.Gateway();
        var stopped = await grain.GetStatusAsync(Alice);
        var events = (await grain.GetEventsSinceAsync(Alice, before)).Events!;

        Assert.Equal(readyAt, running.Game!.ReadyAt);
        Assert.Null(stopped.Game!.ReadyAt);
        Assert.Equal(stop, stopped.Game.LastStop);
        Assert.Equal(ContainerEventKind.StopForced, events[^1].Kind);
        Assert.Equal("now Stopped, stop forced: stop command ignored for 30 s; ended by SIGKILL (signal 9)", events[^1].Summary);
        Assert.Equal(stop, events[^1].Status.Game!.LastStop);
    }

    [Fact]
    public async Task Report_SameSequenceTwice_IsAppliedOnce()
    {
        var (grain, credential) = await GameAsync(Client);
        var instance = Guid.NewGuid();
        await ReportStatesAsync(grain, credential, instance, 1, GameServerState.Installing, GameServerState.Stopped, GameServerState.Starting, GameServerState.Running);
        var crash = new GameCrashed(5, DateTimeOffset.UnixEpoch, Crash(1));

        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.ReportAsync(new AgentReport(instance, [crash], 0));
        var again = await grain.ReportAsync(new AgentReport(instance, [crash], 0));

        Assert.Equal(5, again.AppliedThrough);
        CallAs.Gateway();
        Assert.Single(await grain.GetCrashesAsync(Alice));
    }

    [Fact]
    public async Task Report_AfterDroppedEvents_AcceptsTheStateTheAgentIsIn()
    {
        var (grain, credential) = await GameAsync(Client);
        var instance = Guid.NewGuid();
        await ReportStatesAsync(grain, credential, instance, 1, GameServerState.Installing, GameServerState.Stopped);

        // The agent's outbox overflowed: Starting was lost, Running arrives with the drop count.
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var ack = await grain.ReportAsync(new AgentReport(instance, [new GameStateChanged(9, DateTimeOffset.UnixEpoch, GameServerState.Running, null)], DroppedEvents: 6));

        Assert.Null(ack.Rejected);
        CallAs.Gateway();
        Assert.Equal("Running", (await grain.GetStatusAsync(Alice)).State);
    }

    [Fact]
    public async Task Crashes_MoreThanFifty_KeepsNewestFiftyWithLogTails()
    {
        var (grain, credential) = await GameAsync(Client);
        var instance = Guid.NewGuid();
        var crashes = Enumerable.Range(1, 55).Select(i => (AgentEvent)new GameCrashed(i, DateTimeOffset.UnixEpoch.AddMinutes(i), Crash(i))).ToArray();

        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.ReportAsync(new AgentReport(instance, crashes, 0));

        CallAs.Gateway();
        var history = await grain.GetCrashesAsync(Alice);
        Assert.Equal(50, history.Count);
        Assert.Equal(55, history[0].ExitCode);
        Assert.Equal(6, history[^1].ExitCode);
        Assert.Equal("line 1 of crash 55\nline 2 of crash 55", history[0].LogTail);
        var status = await grain.GetStatusAsync(Alice);
        Assert.Equal(55, status.Crashes.Total);
        Assert.Equal(55, status.Crashes.LastExitCode);
        Assert.Equal("oom", status.Crashes.LastClassification);
    }

    [Fact]
    public async Task Power_Start_WhileProvisioning_IsAConflict()
    {
        var (grain, _) = await GameAsync(Client);

        CallAs.Gateway();
        var error = await Assert.ThrowsAsync<ContainerConflictException>(() => grain.PowerAsync(Alice, PowerAction.Start));
        Assert.Contains("provisioning", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Power_Action_BumpsGenerationHintsObserverAndAckCarriesIt()
    {
        var (grain, credential) = await GameAsync(Client);
        var instance = Guid.NewGuid();
        await ReportStatesAsync(grain, credential, instance, 1, GameServerState.Installing, GameServerState.Stopped);
        var observer = new RecordingObserver();
        var reference = Client.CreateObjectReference<IAgentObserver>(observer);
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var session = await grain.ConnectAgentAsync(new AgentHello(instance, "test", DateTimeOffset.UnixEpoch), reference);
        Assert.Equal(2, session.LastAppliedSequence);
        Assert.Equal(DesiredPower.Stopped, session.Spec.Game!.Power);

        CallAs.Gateway();
        var status = await grain.PowerAsync(Alice, PowerAction.Start);

        Assert.Equal(2, status.DesiredGeneration);
        Assert.Equal(2, await observer.FirstHint.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain(ZlhGrind.Grains.Authorization.CallContextKeys.ServiceKey, observer.ContextKeys);
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var ack = await grain.HeartbeatAsync(Heartbeat(instance, observedGeneration: 1));
        Assert.Equal(2, ack.DesiredGeneration);
        Assert.False(ack.ResubscribeObserver);
        var spec = await grain.GetDesiredSpecAsync();
        Assert.Equal((DesiredPower.Running, 1L, PowerAction.Start), (spec.Game!.Power, spec.Game.PowerRequest, spec.Game.LastAction));
        Assert.Equal(Minecraft, spec.Game.Spec with { Variables = null, Launch = null });
        Client.DeleteObjectReference<IAgentObserver>(reference);
    }

    [Fact]
    public async Task Heartbeat_WithoutObserver_AsksToResubscribe()
    {
        var (grain, credential) = await GameAsync(Client);

        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var ack = await grain.HeartbeatAsync(Heartbeat(Guid.NewGuid()));

        Assert.True(ack.ResubscribeObserver);
        Assert.Equal(1, ack.DesiredGeneration);
    }

    internal static CrashRecord Crash(int n) => new(
        Guid.NewGuid(),
        DateTimeOffset.UnixEpoch.AddMinutes(n),
        n,
        null,
        TimeSpan.FromSeconds(n),
        CrashClassification.Oom,
        $"line 1 of crash {n}\nline 2 of crash {n}",
        1,
        TimeSpan.FromSeconds(30),
        GaveUp: false);
}

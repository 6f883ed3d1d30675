using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

/// <summary>A cluster whose agents get small budgets (3 reports, 2 heartbeats) on a fake clock.</summary>
public sealed class LimitedClusterFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestClusters.StartAsync(
        TestClusters.Configuration(new Dictionary<string, string?>
        {
            ["Containers:ReportBurst"] = "3",
            ["Containers:ReportRefill"] = "00:00:01",
            ["Containers:HeartbeatBurst"] = "2",
            ["Containers:HeartbeatRefill"] = "00:00:05",
            ["Containers:MaxAgentClockSkew"] = "00:00:10",
        }),
        time: Time);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>Issue 11 and 12: per-agent rate limits on the grain clock, and agent timestamps clamped to the silo's clock.</summary>
public sealed class AgentLimitsTests(LimitedClusterFixture fixture) : IClassFixture<LimitedClusterFixture>
{
    private IClusterClient Client => fixture.Cluster.Client;

    [Fact]
    public async Task Heartbeat_OverItsBudget_AnsweredButNotRecordedUntilATokenReturns()
    {
        var (grain, credential) = await GameAsync(Client);
        var instance = Guid.NewGuid();

        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.HeartbeatAsync(Heartbeat(instance) with { Pid = 1 });
        await grain.HeartbeatAsync(Heartbeat(instance) with { Pid = 2 });
        var ack = await grain.HeartbeatAsync(Heartbeat(instance) with { Pid = 3 });

        Assert.Equal(new HeartbeatAck(1, ResubscribeObserver: true), ack);
        Assert.Equal(2, await PidAsync(grain));

        fixture.Time.Advance(TimeSpan.FromSeconds(5));
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.HeartbeatAsync(Heartbeat(instance) with { Pid = 4 });
        Assert.Equal(4, await PidAsync(grain));
    }

    [Fact]
    public async Task Report_OverItsBudget_NothingTakenAndTheAckSaysWhy()
    {
        var (grain, credential) = await GameAsync(Client);
        var instance = Guid.NewGuid();
        await ReportStatesAsync(grain, credential, instance, 1, GameServerState.Installing);
        await ReportStatesAsync(grain, credential, instance, 2, GameServerState.Stopped);
        await ReportStatesAsync(grain, credential, instance, 3, GameServerState.Starting);

        var limited = await ReportStatesAsync(grain, credential, instance, 4, GameServerState.Running);

        Assert.Equal(3, limited.AppliedThrough);
        Assert.Equal(["rate limited: nothing of this report was taken; send it again later"], limited.Rejected);
        Assert.Equal("Starting", await StateAsync(grain));

        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var again = await ReportStatesAsync(grain, credential, instance, 4, GameServerState.Running);
        Assert.Equal(4, again.AppliedThrough);
        Assert.Null(again.Rejected);
        Assert.Equal("Running", await StateAsync(grain));
    }

    [Fact]
    public async Task Connect_NewInstanceOverTheBudget_RefusedAndTheStoredSequenceKept()
    {
        var (grain, credential) = await GameAsync(Client);
        var observer = Client.CreateObjectReference<IAgentObserver>(new RecordingObserver());
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        await ReportStatesAsync(grain, credential, first, 1, GameServerState.Installing);
        await ReportStatesAsync(grain, credential, first, 2, GameServerState.Stopped);
        await ReportStatesAsync(grain, credential, first, 3, GameServerState.Starting);

        // A new instance would reset the stored sequence (a write): the budget is spent, so nothing happens.
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.ConnectAgentAsync(new AgentHello(second, "test", DateTimeOffset.UnixEpoch), observer));

        Assert.Equal($"The agent of container {grain.GetPrimaryKeyLong()} connects too often; it may try again shortly.", error.Message);
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        Assert.Equal(3, (await grain.ConnectAgentAsync(new AgentHello(first, "test", DateTimeOffset.UnixEpoch), observer)).LastAppliedSequence);
        Client.DeleteObjectReference<IAgentObserver>(observer);
    }

    [Fact]
    public async Task CrashTime_AheadOfTheSiloClock_ClampedBeyondTheSkewKeptWithinIt()
    {
        var (grain, credential) = await GameAsync(Client);
        var now = fixture.Time.GetUtcNow();

        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.ReportAsync(new AgentReport(
            Guid.NewGuid(),
            [
                new GameCrashed(1, now.AddSeconds(5), GameServerGrainTests.Crash(1) with { At = now.AddSeconds(5) }),
                new GameCrashed(2, now.AddDays(1), GameServerGrainTests.Crash(2) with { At = now.AddDays(1) }),
            ],
            0));

        CallAs.Gateway();
        var crashes = await grain.GetCrashesAsync(Alice);
        Assert.Equal([now, now.AddSeconds(5)], crashes.Select(c => c.At));
    }

    [Fact]
    public async Task IdeEndpoint_EventStampedInTheFuture_DoesNotPinTheAddress()
    {
        var (grain, credential) = await DevAsync(Client);
        var id = grain.GetPrimaryKeyLong();

        CallAs.Agent(id, credential);
        await grain.ReportAsync(new AgentReport(
            Guid.NewGuid(), [new CodeServerChanged(1, fixture.Time.GetUtcNow().AddDays(365), CodeServerState.Running, "10.0.0.1:8080", null)], 0));
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        await grain.HeartbeatAsync(Heartbeat(Guid.NewGuid()) with
        {
            SentAt = fixture.Time.GetUtcNow(),
            Dev = new DevObserved(DevContainerState.Ready, CodeServerState.Running, "10.0.0.2:8080", [], null),
        });

        // The tunnel connects only to the address the platform set (never to either report); what the agent reports is
        // shown in the status, and a clamped event is older than the heartbeat that followed it.
        CallAs.Gateway();
        var status = await grain.GetStatusAsync(Alice);
        Assert.Equal("10.0.0.2:8080", status.Dev!.IdeEndpoint);
    }

    private static async Task<int?> PidAsync(IGameServerGrain grain)
    {
        CallAs.Gateway();
        return (await grain.GetStatusAsync(Alice)).Process?.Pid;
    }

    private static async Task<string> StateAsync(IGameServerGrain grain)
    {
        CallAs.Gateway();
        return (await grain.GetStatusAsync(Alice)).State;
    }
}

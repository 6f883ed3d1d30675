using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Grains.DevContainers;
using ZlhGrind.Silo.Storage;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

/// <summary>
/// Issue 18, idle culling on a fake clock: the cluster's idle watch warns <c>Ide:IdleWarning</c> (5 min) before the
/// deadline and stops code-server through the desired spec at <c>Ide:IdleTimeout</c> (30 min) without IDE activity.
/// Each check runs the container's idle watch partition twice from the silo (the second sweep started after the
/// clock moved), so what it asserts is what the sweep did at exactly that time.
/// </summary>
public sealed class IdleCullingTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private const string StoppedSummary = "code-server stopped: no IDE activity for 00:30:00 (idle timeout); the container keeps running";

    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task CheckIdle_NoActivity_WarnsFiveMinutesBeforeAndStopsAtTheTimeout()
    {
        var (grain, credential, createdAt) = await DevAsync();
        var provisioned = await LastSequenceAsync(grain);
        Assert.Equal(createdAt.AddMinutes(30), (await StatusAsync(grain)).Dev!.IdleStopAt);

        await AdvanceToAsync(grain, createdAt.AddMinutes(25).AddSeconds(-1));
        Assert.Empty(await EventsSinceAsync(grain, provisioned));

        await AdvanceToAsync(grain, createdAt.AddMinutes(25));
        var warning = Assert.Single(await EventsSinceAsync(grain, provisioned));
        Assert.Equal(ContainerEventKind.IdleWarning, warning.Kind);
        Assert.Equal(createdAt.AddMinutes(25), warning.At);
        Assert.Equal($"code-server stops at {createdAt.AddMinutes(30):O} without IDE activity; use the IDE or keep it running", warning.Summary);
        Assert.True((await SpecAsync(grain, credential)).CodeServerRunning);

        await AdvanceToAsync(grain, createdAt.AddMinutes(30).AddSeconds(-1));
        Assert.Single(await EventsSinceAsync(grain, provisioned));
        Assert.True((await SpecAsync(grain, credential)).CodeServerRunning);

        await AdvanceToAsync(grain, createdAt.AddMinutes(30));
        var stopped = (await EventsSinceAsync(grain, provisioned))[1];
        Assert.Equal(ContainerEventKind.SpecChanged, stopped.Kind);
        Assert.Equal(StoppedSummary, stopped.Summary);
        var spec = await SpecAsync(grain, credential);
        Assert.False(spec.CodeServerRunning);
        Assert.Equal(CodeServerAction.Stop, spec.LastCodeServerAction);
        Assert.Equal(1, spec.CodeServerRequest);
        var status = await StatusAsync(grain);
        Assert.Null(status.Dev!.IdleStopAt);
        Assert.Null(status.Dev.LastActivityAt);
        Assert.True(status.Dev.CodeServerEnabled);
        Assert.Equal("Provisioning", status.State);
        Assert.Equal(2, status.DesiredGeneration);

        // Stopped once: later sweeps leave it alone.
        await AdvanceToAsync(grain, createdAt.AddHours(2));
        Assert.Equal(2, (await EventsSinceAsync(grain, provisioned)).Count);
    }

    [Fact]
    public async Task ReportIdeActivity_FromGateways_KeepsTheLatestAndClampsFutureTimes()
    {
        var (grain, _, createdAt) = await DevAsync();

        await AdvanceToAsync(grain, createdAt.AddMinutes(10));
        CallAs.Gateway();
        await grain.ReportIdeActivityAsync(createdAt.AddMinutes(9));

        // A second gateway's older report changes nothing; a time ahead of the silo's clock counts as now.
        await grain.ReportIdeActivityAsync(createdAt.AddMinutes(3));
        var afterOld = await StatusAsync(grain);
        await grain.ReportIdeActivityAsync(createdAt.AddDays(3));
        var afterFuture = await StatusAsync(grain);

        Assert.Equal(createdAt.AddMinutes(9), afterOld.Dev!.LastActivityAt);
        Assert.Equal(createdAt.AddMinutes(39), afterOld.Dev.IdleStopAt);
        Assert.Equal(createdAt.AddMinutes(10), afterFuture.Dev!.LastActivityAt);
        Assert.Equal(createdAt.AddMinutes(40), afterFuture.Dev.IdleStopAt);

        var provisioned = await LastSequenceAsync(grain);
        await AdvanceToAsync(grain, createdAt.AddMinutes(35).AddSeconds(-1));
        Assert.Empty(await EventsSinceAsync(grain, provisioned));
        await AdvanceToAsync(grain, createdAt.AddMinutes(35));
        Assert.Equal(createdAt.AddMinutes(35), Assert.Single(await EventsSinceAsync(grain, provisioned)).At);
        await AdvanceToAsync(grain, createdAt.AddMinutes(40));
        Assert.Equal([ContainerEventKind.IdleWarning, ContainerEventKind.SpecChanged], (await EventsSinceAsync(grain, provisioned)).Select(e => e.Kind));
    }

    [Fact]
    public async Task ReportIdeActivity_WithinTheWriteInterval_StoredOncePerInterval()
    {
        var (grain, _, createdAt) = await DevAsync();

        await AdvanceToAsync(grain, createdAt.AddMinutes(10));
        CallAs.Gateway();
        await grain.ReportIdeActivityAsync(createdAt.AddMinutes(10));
        var first = await StoredActivityAsync(grain);
        await AdvanceToAsync(grain, createdAt.AddMinutes(11).AddSeconds(-1));
        CallAs.Gateway();
        await grain.ReportIdeActivityAsync(createdAt.AddMinutes(11).AddSeconds(-1));
        var withinInterval = await StoredActivityAsync(grain);
        var known = await StatusAsync(grain);
        await AdvanceToAsync(grain, createdAt.AddMinutes(11));
        CallAs.Gateway();
        await grain.ReportIdeActivityAsync(createdAt.AddMinutes(11));

        Assert.Equal(createdAt.AddMinutes(10), first);
        Assert.Equal(createdAt.AddMinutes(10), withinInterval);
        Assert.Equal(createdAt.AddMinutes(11).AddSeconds(-1), known.Dev!.LastActivityAt);
        Assert.Equal(createdAt.AddMinutes(11), await StoredActivityAsync(grain));
    }

    [Fact]
    public async Task ReportIdeActivity_AfterTheWarning_PublishesThatTheDeadlineMoved()
    {
        var (grain, credential, createdAt) = await DevAsync();
        var provisioned = await LastSequenceAsync(grain);
        await AdvanceToAsync(grain, createdAt.AddMinutes(26));

        CallAs.Gateway();
        await grain.ReportIdeActivityAsync(createdAt.AddMinutes(26));
        await AdvanceToAsync(grain, createdAt.AddMinutes(50));

        var events = await EventsSinceAsync(grain, provisioned);
        Assert.Equal([ContainerEventKind.IdleWarning, ContainerEventKind.IdleDeadlineReset], events.Select(e => e.Kind));
        Assert.Equal($"IDE in use again: code-server keeps running until {createdAt.AddMinutes(56):O}", events[1].Summary);
        Assert.True((await SpecAsync(grain, credential)).CodeServerRunning);
    }

    [Fact]
    public async Task KeepIdeRunning_AfterTheWarning_ResetsTheDeadline()
    {
        var (grain, credential, createdAt) = await DevAsync();
        var provisioned = await LastSequenceAsync(grain);
        await AdvanceToAsync(grain, createdAt.AddMinutes(27));

        CallAs.Gateway();
        var kept = await grain.KeepIdeRunningAsync(Alice);
        var byOperator = await grain.KeepIdeRunningAsync(Ops);

        Assert.Equal(createdAt.AddMinutes(57), kept.Dev!.IdleStopAt);
        Assert.Equal(createdAt.AddMinutes(57), byOperator.Dev!.IdleStopAt);
        Assert.Null(kept.Dev.LastActivityAt);
        await AdvanceToAsync(grain, createdAt.AddMinutes(52).AddSeconds(-1));
        Assert.Equal(
            [ContainerEventKind.IdleWarning, ContainerEventKind.IdleDeadlineReset, ContainerEventKind.IdleDeadlineReset],
            (await EventsSinceAsync(grain, provisioned)).Select(e => e.Kind));
        Assert.Equal($"kept running by alice: code-server keeps running until {createdAt.AddMinutes(57):O}", (await EventsSinceAsync(grain, provisioned))[1].Summary);
        Assert.True((await SpecAsync(grain, credential)).CodeServerRunning);

        await AdvanceToAsync(grain, createdAt.AddMinutes(57));
        Assert.False((await SpecAsync(grain, credential)).CodeServerRunning);
    }

    [Fact]
    public async Task KeepIdeRunning_RefusedCalls_ChangeNothing()
    {
        var (grain, credential, createdAt) = await DevAsync();
        var id = grain.GetPrimaryKeyLong();
        var before = await ViewAsync(grain, credential);

        CallAs.Gateway();
        var notYours = await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.KeepIdeRunningAsync(Bob));
        CallAs.Agent(id, credential);
        var agent = await Assert.ThrowsAsync<CallerRejectedException>(() => grain.KeepIdeRunningAsync(Alice));

        Assert.Equal($"Container {id} was not found.", notYours.Message);
        Assert.Equal("ZlhGrind.Grains.DevContainers.IDevContainerGrain.KeepIdeRunningAsync accepts Gateway callers only; this caller did not prove to be one.", agent.Message);
        Assert.Equal(before, await ViewAsync(grain, credential));
        Assert.Equal(createdAt.AddMinutes(30), (await StatusAsync(grain)).Dev!.IdleStopAt);

        // Stopped code-server has no countdown to reset.
        CallAs.Gateway();
        await grain.CodeServerAsync(Alice, CodeServerAction.Stop);
        var stopped = await ViewAsync(grain, credential);
        CallAs.Gateway();
        var conflict = await Assert.ThrowsAsync<ContainerConflictException>(() => grain.KeepIdeRunningAsync(Alice));
        Assert.Equal($"code-server of container {id} is not running; start it instead.", conflict.Message);
        Assert.Equal(stopped, await ViewAsync(grain, credential));
        Assert.Null((await StatusAsync(grain)).Dev!.IdleStopAt);
    }

    [Fact]
    public async Task ReportIdeActivity_FromAnAgent_RefusedForItsOwnAndAnotherContainerAndNothingChanges()
    {
        var (mine, myCredential, createdAt) = await DevAsync();
        var (victim, victimCredential, _) = await DevAsync(owner: Bob);
        await AdvanceToAsync(mine, createdAt.AddMinutes(20));
        var mineBefore = await ViewAsync(mine, myCredential);
        var victimBefore = await ViewAsync(victim, victimCredential);

        CallAs.Agent(mine.GetPrimaryKeyLong(), myCredential);
        var own = await Assert.ThrowsAsync<CallerRejectedException>(() => mine.ReportIdeActivityAsync(createdAt.AddMinutes(20)).AsTask());
        CallAs.Agent(mine.GetPrimaryKeyLong(), myCredential);
        var other = await Assert.ThrowsAsync<CallerRejectedException>(() => victim.ReportIdeActivityAsync(createdAt.AddMinutes(20)).AsTask());
        CallAs.Agent(mine.GetPrimaryKeyLong(), myCredential);
        var keep = await Assert.ThrowsAsync<CallerRejectedException>(() => victim.KeepIdeRunningAsync(Bob));
        CallAs.Nobody();
        var anonymous = await Assert.ThrowsAsync<CallerRejectedException>(() => victim.ReportIdeActivityAsync(createdAt.AddMinutes(20)).AsTask());

        const string Refused = "ZlhGrind.Grains.DevContainers.IDevContainerGrain.ReportIdeActivityAsync accepts Gateway callers only; this caller did not prove to be one.";
        Assert.Equal(Refused, own.Message);
        Assert.Equal(Refused, other.Message);
        Assert.Equal(Refused, anonymous.Message);
        Assert.Equal("ZlhGrind.Grains.DevContainers.IDevContainerGrain.KeepIdeRunningAsync accepts Gateway callers only; this caller did not prove to be one.", keep.Message);
        Assert.Equal(mineBefore, await ViewAsync(mine, myCredential));
        Assert.Equal(victimBefore, await ViewAsync(victim, victimCredential));
        Assert.Equal(createdAt.AddMinutes(30), (await StatusAsync(mine)).Dev!.IdleStopAt);
    }

    [Fact]
    public async Task IdleTimeout_ZeroInTheSpec_NeverStops()
    {
        var (grain, credential, createdAt) = await DevAsync(idleTimeout: TimeSpan.Zero);
        var provisioned = await LastSequenceAsync(grain);

        await AdvanceToAsync(grain, createdAt.AddDays(8));

        Assert.Empty(await EventsSinceAsync(grain, provisioned));
        Assert.True((await SpecAsync(grain, credential)).CodeServerRunning);
        Assert.Null((await StatusAsync(grain)).Dev!.IdleStopAt);
        CallAs.Gateway();
        Assert.Null((await grain.KeepIdeRunningAsync(Alice)).Dev!.IdleStopAt);
    }

    [Fact]
    public async Task IdleTimeout_PerContainerOverride_WarnsAndStopsOnItsOwnDeadline()
    {
        var (grain, credential, createdAt) = await DevAsync(idleTimeout: TimeSpan.FromMinutes(10));
        var provisioned = await LastSequenceAsync(grain);
        Assert.Equal(createdAt.AddMinutes(10), (await StatusAsync(grain)).Dev!.IdleStopAt);

        await AdvanceToAsync(grain, createdAt.AddMinutes(5));
        Assert.Equal(createdAt.AddMinutes(5), Assert.Single(await EventsSinceAsync(grain, provisioned)).At);
        await AdvanceToAsync(grain, createdAt.AddMinutes(10));

        var stopped = (await EventsSinceAsync(grain, provisioned))[1];
        Assert.Equal("code-server stopped: no IDE activity for 00:10:00 (idle timeout); the container keeps running", stopped.Summary);
        Assert.False((await SpecAsync(grain, credential)).CodeServerRunning);
    }

    [Fact]
    public async Task Report_CodeServerRunning_StartsTheCountdownOnTheSilosClock()
    {
        var (grain, credential, createdAt) = await DevAsync();
        await AdvanceToAsync(grain, createdAt.AddMinutes(20));

        // The agent's own time is far in the past: the countdown takes the silo's.
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.ReportAsync(new ZlhGrind.Grains.Agents.AgentReport(Guid.NewGuid(), [new ZlhGrind.Grains.Agents.CodeServerChanged(1, DateTimeOffset.UnixEpoch, CodeServerState.Running, "10.0.0.5:8080", null)], 0));
        var started = await StatusAsync(grain);

        // Running again (a new agent process saying so): not a start, the countdown stays.
        await AdvanceToAsync(grain, createdAt.AddMinutes(30));
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.ReportAsync(new ZlhGrind.Grains.Agents.AgentReport(Guid.NewGuid(), [new ZlhGrind.Grains.Agents.CodeServerChanged(1, DateTimeOffset.UnixEpoch, CodeServerState.Running, "10.0.0.5:8080", null)], 0));

        Assert.Equal(createdAt.AddMinutes(50), started.Dev!.IdleStopAt);
        Assert.Null(started.Dev.LastActivityAt);
        Assert.Equal(createdAt.AddMinutes(50), (await StatusAsync(grain)).Dev!.IdleStopAt);
        Assert.True((await SpecAsync(grain, credential)).CodeServerRunning);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(7 * 24 * 60 + 1)]
    public async Task Provision_IdleTimeoutOutOfRange_RefusedAndNothingIsCreated(int minutes)
    {
        CallAs.Operator();
        await Client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).AddAsync(Node());
        CallAs.Gateway();
        var grain = Client.GetGrain<IDevContainerGrain>(Ids.Next());

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.ProvisionAsync(Alice, new DevContainerSpec("node", null, true, TimeSpan.FromMinutes(minutes))));

        Assert.Equal("The idle timeout must be between 0 (never) and 7.00:00:00.", error.Message);
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetStatusAsync(Ops));
    }

    [Fact]
    public async Task CheckIdle_AfterReactivation_StopsFromTheStoredActivity()
    {
        var (grain, credential, createdAt) = await DevAsync();
        await AdvanceToAsync(grain, createdAt.AddMinutes(10));
        CallAs.Gateway();
        await grain.ReportIdeActivityAsync(createdAt.AddMinutes(10));

        // Both the container and its watch partition start afresh, as after a silo restart on the same storage.
        await fixture.Cluster.DeactivateAsync(grain);
        await fixture.Cluster.DeactivateAsync(Silo.GetGrain<IIdleWatchGrain>(IdleWatch.PartitionOf(grain.GetPrimaryKeyLong())));
        await AdvanceToAsync(grain, createdAt.AddMinutes(40).AddSeconds(-1));
        var before = await StatusAsync(grain);
        Assert.True((await SpecAsync(grain, credential)).CodeServerRunning);

        await AdvanceToAsync(grain, createdAt.AddMinutes(40));

        Assert.Equal(createdAt.AddMinutes(10), before.Dev!.LastActivityAt);
        Assert.Equal(createdAt.AddMinutes(40), before.Dev.IdleStopAt);
        Assert.False((await SpecAsync(grain, credential)).CodeServerRunning);
    }

    private IGrainFactory Silo => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IGrainFactory>();

    private async Task<(IDevContainerGrain Grain, string Credential, DateTimeOffset CreatedAt)> DevAsync(Actor? owner = null, TimeSpan? idleTimeout = null)
    {
        CallAs.Operator();
        await Client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).AddAsync(Node());
        CallAs.Gateway();
        var grain = Client.GetGrain<IDevContainerGrain>(Ids.Next());
        var result = await grain.ProvisionAsync(owner ?? Alice, new DevContainerSpec("node", null, true, idleTimeout));
        return (grain, result.AgentCredential, fixture.Time.GetUtcNow());
    }

    /// <summary>Moves the shared clock to <paramref name="at"/> and has the container's idle watch partition swept at that time.</summary>
    private async Task AdvanceToAsync(IDevContainerGrain grain, DateTimeOffset at)
    {
        var now = fixture.Time.GetUtcNow();
        if (at > now)
        {
            fixture.Time.Advance(at - now);
        }

        // The first sweep may have begun before the clock moved (the silos sweep on their own); the second began after.
        var partition = Silo.GetGrain<IIdleWatchGrain>(IdleWatch.PartitionOf(grain.GetPrimaryKeyLong()));
        await partition.SweepAsync();
        await partition.SweepAsync();
    }

    /// <summary>The last IDE activity as the container's record holds it in storage (not the grain's memory).</summary>
    private async Task<DateTimeOffset?> StoredActivityAsync(IDevContainerGrain grain)
    {
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Containers);
        var stored = new GrainState<DevContainerRecord>(new DevContainerRecord());
        await storage.ReadStateAsync("dev", grain.GetGrainId(), stored);
        return stored.State!.LastIdeActivityAt;
    }

    private static async Task<ContainerStatus> StatusAsync(IDevContainerGrain grain)
    {
        CallAs.Gateway();
        return await grain.GetStatusAsync(Ops);
    }

    /// <summary>Everything a caller can read of the container (status and desired spec), to compare before and after.</summary>
    private static async Task<string> ViewAsync(IDevContainerGrain grain, string credential) =>
        JsonSerializer.Serialize(new { status = await StatusAsync(grain), spec = await SpecAsync(grain, credential) });

    private static async Task<DevDesired> SpecAsync(IDevContainerGrain grain, string credential)
    {
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        return (await grain.GetDesiredSpecAsync()).Dev!;
    }

    private static async Task<long> LastSequenceAsync(IDevContainerGrain grain)
    {
        CallAs.Gateway();
        return (await grain.GetEventsSinceAsync(Ops, null)).LastSequence;
    }

    /// <summary>The container's events after <paramref name="after"/>, from its replay buffer (read in the grain's turn, no stream timing).</summary>
    private static async Task<IReadOnlyList<ContainerEvent>> EventsSinceAsync(IDevContainerGrain grain, long after)
    {
        CallAs.Gateway();
        return (await grain.GetEventsSinceAsync(Ops, after)).Events!;
    }
}

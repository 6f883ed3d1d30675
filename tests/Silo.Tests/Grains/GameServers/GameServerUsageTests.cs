using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains.GameServers;

/// <summary>Usage points from an (untrusted) agent, the rings that keep them, the watch that asks for 5-second points, and limits in the status.</summary>
public sealed class GameServerUsageTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private IClusterClient Client => fixture.Client;

    private DateTimeOffset Now => fixture.Time.GetUtcNow();

    [Fact]
    public async Task ReportUsage_PointsInOrder_GetUsageReturnsThemOldestFirst()
    {
        var (grain, credential) = await GameAsync(Client);
        UsagePoint[] points = [Point(-120, 12.5), Point(-60, 50), Point(0, 0)];

        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var ack = await grain.ReportUsageAsync(new UsageReport(points, []));

        Assert.Null(ack.FastUntil);
        CallAs.Gateway();
        var series = await grain.GetUsageAsync(Alice, UsageResolution.Minute);
        Assert.Equal("1m", series.Resolution);
        Assert.Equal(points, series.Points);
        Assert.Equal(new LimitsStatus(2048, null, null), series.Limits);
    }

    [Fact]
    public async Task ReportUsage_OutOfOrderRepeatedAndFuturePoints_AreDropped()
    {
        var (grain, credential) = await GameAsync(Client);

        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.ReportUsageAsync(new UsageReport([Point(-60, 1), Point(-120, 2), Point(-60, 3), Point(3600, 4), Point(-30, 5)], []));

        CallAs.Gateway();
        Assert.Equal([Point(-60, 1), Point(-30, 5)], (await grain.GetUsageAsync(Alice, UsageResolution.Minute)).Points);
    }

    [Fact]
    public async Task ReportUsage_InvalidPoints_RefusedByNameAndNothingKept()
    {
        var (grain, credential) = await GameAsync(Client);
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);

        await RefusedAsync(grain, new UsageReport([Point(-60, 1), Point(0, double.NaN)], []), "usage.minute[1].cpuPercent must be a number between 0 and 6400.");
        await RefusedAsync(grain, new UsageReport([Point(-60, 6400.1)], []), "usage.minute[0].cpuPercent must be a number between 0 and 6400.");
        await RefusedAsync(grain, new UsageReport([], [Point(0, 1) with { RssBytes = -1 }]), "usage.fast[0].rssBytes must be between 0 and 1125899906842624.");
        await RefusedAsync(grain, new UsageReport([], [Point(0, 1) with { DiskBytes = long.MaxValue }]), "usage.fast[0].diskBytes must be between 0 and 1125899906842624.");
        await RefusedAsync(grain, new UsageReport([.. Enumerable.Range(0, 121).Select(i => Point(-i, 1))], []), "usage.minute must hold at most 120 points.");
        await RefusedAsync(grain, new UsageReport(null!, []), "usage.minute is required.");

        CallAs.Gateway();
        Assert.Empty((await grain.GetUsageAsync(Alice, UsageResolution.Minute)).Points);
        Assert.Empty((await grain.GetUsageAsync(Alice, UsageResolution.Fast)).Points);
    }

    [Fact]
    public async Task ReportUsage_MoreMinutePointsThanTheRingHolds_KeepsTheNewest1440()
    {
        var (grain, credential) = await GameAsync(Client);
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        for (var batch = 0; batch < 13; batch++)
        {
            // 13 × 120 = 1560 minutes, the newest ending now.
            await grain.ReportUsageAsync(new UsageReport([.. Enumerable.Range(0, 120).Select(i => Point(((batch * 120) + i - 1559) * 60, 1))], []));
        }

        CallAs.Gateway();
        var points = (await grain.GetUsageAsync(Alice, UsageResolution.Minute)).Points;
        Assert.Equal(1440, points.Count);
        Assert.Equal(Now.AddMinutes(-1439), points[0].At);
        Assert.Equal(Now, points[^1].At);
    }

    [Fact]
    public async Task GetUsage_FiveSeconds_TellsTheAgentToSampleFastUntilTheWatchEnds()
    {
        var (grain, credential) = await GameAsync(Client);
        var instance = Guid.NewGuid();
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        Assert.Null((await grain.HeartbeatAsync(Heartbeat(instance))).UsageWatchedUntil);

        CallAs.Gateway();
        var series = await grain.GetUsageAsync(Alice, UsageResolution.Fast);
        var until = Now + TimeSpan.FromMinutes(2);

        Assert.Equal("5s", series.Resolution);
        Assert.Equal(until, series.FastUntil);
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        Assert.Equal(until, (await grain.HeartbeatAsync(Heartbeat(instance))).UsageWatchedUntil);
        Assert.Equal(until, (await grain.ReportUsageAsync(new UsageReport([], [Point(0, 3)]))).FastUntil);
        CallAs.Gateway();
        Assert.Equal([Point(0, 3)], (await grain.GetUsageAsync(Alice, UsageResolution.Fast)).Points);
    }

    [Fact]
    public async Task GetUsage_NonOwnerOrUnknownResolution_RefusedAndNoWatchStarts()
    {
        var (grain, credential) = await GameAsync(Client);

        CallAs.Gateway();
        var notFound = await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetUsageAsync(Bob, UsageResolution.Fast));
        var invalid = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.GetUsageAsync(Alice, (UsageResolution)7));

        Assert.Equal($"Container {grain.GetPrimaryKeyLong()} was not found.", notFound.Message);
        Assert.Equal("resolution must be 1m or 5s.", invalid.Message);
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        Assert.Null((await grain.HeartbeatAsync(Heartbeat(Guid.NewGuid()))).UsageWatchedUntil);
    }

    [Fact]
    public async Task GetStatus_AgentSaidHowLimitsAreEnforced_ShowsLimitsWithIt()
    {
        CallAs.Gateway();
        var grain = Client.GetGrain<IGameServerGrain>(Ids.Next());
        var provisioned = await grain.ProvisionAsync(Alice, Minecraft with { CpuPercent = 150 });
        Assert.Equal(new LimitsStatus(2048, 150, null), provisioned.Status.Game!.Limits);

        CallAs.Agent(grain.GetPrimaryKeyLong(), provisioned.AgentCredential);
        await grain.HeartbeatAsync(Heartbeat(Guid.NewGuid()) with { Game = new GameObserved(GameServerState.Provisioning, 0, null, Limits: LimitsEnforcement.Cgroup1) });

        CallAs.Gateway();
        Assert.Equal(new LimitsStatus(2048, 150, "cgroup1"), (await grain.GetStatusAsync(Alice)).Game!.Limits);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(6401)]
    public async Task Provision_CpuPercentOutOfRange_RefusedWithTheRange(int cpuPercent)
    {
        CallAs.Gateway();
        var grain = Client.GetGrain<IGameServerGrain>(Ids.Next());

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.ProvisionAsync(Alice, Minecraft with { CpuPercent = cpuPercent }));

        Assert.Equal("cpuPercent must be between 1 and 6400 (percent of one core; leave it out for no limit).", error.Message);
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetStatusAsync(Ops));
    }

    private UsagePoint Point(int secondsFromNow, double cpu) => new(Now.AddSeconds(secondsFromNow), cpu, 100L * 1024 * 1024, 5L * 1024 * 1024);

    private static async Task RefusedAsync(IGameServerGrain grain, UsageReport report, string message)
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.ReportUsageAsync(report));
        Assert.Equal(message, error.Message);
    }
}

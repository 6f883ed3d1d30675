using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Silo.Grains.DevContainers;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

public sealed class IdeSessionFeedTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private IClusterClient Client => fixture.Client;

    private IIdeSessionFeedGrain Feed => Client.GetGrain<IIdeSessionFeedGrain>(IIdeSessionFeedGrain.Key);

    [Fact]
    public async Task Revoke_IsInTheFeedWhenTheCallReturns_AndOnlyThatContainer()
    {
        var (a, _) = await DevAsync(Client);
        var (b, _) = await DevAsync(Client);
        CallAs.Gateway();
        var session = (await a.RedeemIdeTokenAsync((await a.IssueIdeTokenAsync(Alice)).Token)).SessionId!;
        var start = await Feed.ChangesSinceAsync(Guid.Empty, 0);

        CallAs.Gateway();
        await a.RevokeIdeSessionsAsync(Alice);
        CallAs.Gateway();
        var changes = await Feed.ChangesSinceAsync(start.Epoch, start.Version);

        Assert.False(start.Complete);
        Assert.True(changes.Complete);
        Assert.Contains(a.GetPrimaryKeyLong(), changes.ContainerIds);
        Assert.DoesNotContain(b.GetPrimaryKeyLong(), changes.ContainerIds);
        Assert.True(changes.Version > start.Version);
        CallAs.Gateway();
        Assert.Equal(IdeAccessStatus.Revoked, (await a.ResolveIdeSessionAsync(session)).Status);
    }

    [Fact]
    public async Task AgentEvents_StateAndCodeServerChanges_ReachTheFeed()
    {
        var (grain, credential) = await DevAsync(Client);
        CallAs.Gateway();
        var start = await Feed.ChangesSinceAsync(Guid.Empty, 0);

        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.ReportAsync(new AgentReport(Guid.NewGuid(), [new CodeServerChanged(1, DateTimeOffset.UnixEpoch, CodeServerState.Running, "10.0.0.9:8080", null)], 0));
        CallAs.Gateway();
        var changes = await Feed.ChangesSinceAsync(start.Epoch, start.Version);

        Assert.True(changes.Complete);
        Assert.Contains(grain.GetPrimaryKeyLong(), changes.ContainerIds);
    }

    [Fact]
    public async Task ChangesSince_AnotherEpochOrAFutureVersion_IsIncomplete()
    {
        CallAs.Gateway();
        var current = await Feed.ChangesSinceAsync(Guid.Empty, 0);
        CallAs.Gateway();
        var otherEpoch = await Feed.ChangesSinceAsync(Guid.NewGuid(), current.Version);
        CallAs.Gateway();
        var future = await Feed.ChangesSinceAsync(current.Epoch, current.Version + 1);

        Assert.False(otherEpoch.Complete);
        Assert.False(future.Complete);
        Assert.Empty(future.ContainerIds);
        Assert.Equal(current.Epoch, future.Epoch);
    }

    [Fact]
    public void Window_CursorInside_ReturnsEachChangedIdOnce_CursorFallenOut_Incomplete()
    {
        var window = new ChangeWindow(4);
        window.Add(7);
        window.Add(8);
        window.Add(7);

        var fromStart = window.Since(window.Epoch, 0);
        var fromTwo = window.Since(window.Epoch, 2);
        window.Add(9);
        window.Add(10);
        var overflowed = window.Since(window.Epoch, 0);
        var lastFour = window.Since(window.Epoch, 1);

        Assert.True(fromStart.Complete);
        Assert.Equal([7, 8], fromStart.ContainerIds.Order());
        Assert.Equal([7], fromTwo.ContainerIds);
        Assert.Equal(3, fromTwo.Version);
        Assert.False(overflowed.Complete);
        Assert.Equal(5, overflowed.Version);
        Assert.True(lastFour.Complete);
        Assert.Equal([7, 8, 9, 10], lastFour.ContainerIds.Order());
    }
}

using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Grains.Registry;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains.Registry;

/// <summary>The index bucket takes a fleet's claims together (reentrant, coalesced writes); nothing of a claim may be lost or mixed up.</summary>
public sealed class ContainerBucketTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    // A bucket of its own, far above the ids the other tests take, so this class's counts are exact.
    private const long FirstId = 700_000 * ContainerBuckets.Size;

    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task Provision_SixtyFourAtOnceInOneBucketForTwoOwners_EachOwnerListsExactlyItsOwn()
    {
        var erin = new Actor("erin-" + Guid.NewGuid(), false);
        var frank = new Actor("frank-" + Guid.NewGuid(), false);
        var ids = Enumerable.Range(0, 64).Select(i => FirstId + i).ToArray();

        await Task.WhenAll(ids.Select(id =>
        {
            CallAs.Gateway();
            return Client.GetGrain<IGameServerGrain>(id).ProvisionAsync(id % 2 == 0 ? erin : frank, Minecraft);
        }));

        var registry = Client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key);
        CallAs.Gateway();
        var erins = await registry.ListAsync(erin, null);
        CallAs.Gateway();
        var franks = await registry.ListAsync(frank, null);
        CallAs.Gateway();
        var all = await registry.ListAsync(Ops, ContainerKind.Game);
        Assert.Equal(ids.Where(id => id % 2 == 0), erins.Select(c => c.ContainerId));
        Assert.Equal(ids.Where(id => id % 2 == 1), franks.Select(c => c.ContainerId));
        Assert.All(erins, c => Assert.Equal((erin.UserId, ContainerKind.Game), (c.OwnerId, c.Kind)));
        Assert.Equal(ids, all.Select(c => c.ContainerId).Where(id => id >= FirstId && id < FirstId + 64));
    }

    [Fact]
    public async Task Provision_GameAndDevOfOneIdAtOnce_OneClaimsItTheOtherIsRefusedAndLeavesNothing()
    {
        var grace = new Actor("grace-" + Guid.NewGuid(), false);
        var heidi = new Actor("heidi-" + Guid.NewGuid(), false);
        const long id = FirstId + 100;
        CallAs.Operator();
        await Client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).AddAsync(Node());

        CallAs.Gateway();
        var game = Client.GetGrain<IGameServerGrain>(id).ProvisionAsync(grace, Minecraft);
        CallAs.Gateway();
        var dev = Client.GetGrain<IDevContainerGrain>(id).ProvisionAsync(heidi, new DevContainerSpec("node", null, true));
        var outcomes = await Task.WhenAll(Outcome(game), Outcome(dev));

        var winner = Assert.Single(outcomes, o => o.Error is null);
        var loser = Assert.Single(outcomes, o => o.Error is not null);
        Assert.IsType<ContainerConflictException>(loser.Error);
        Assert.Equal($"Container id {id} is taken.", loser.Error!.Message);
        var (winnerOwner, loserOwner, winnerKind) = winner.Kind == ContainerKind.Game ? (grace, heidi, ContainerKind.Game) : (heidi, grace, ContainerKind.Dev);
        var registry = Client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key);
        CallAs.Gateway();
        Assert.Equal(winnerKind, await registry.GetKindAsync(id));
        CallAs.Gateway();
        Assert.Equal([id], (await registry.ListAsync(winnerOwner, null)).Select(c => c.ContainerId));
        CallAs.Gateway();
        Assert.Empty(await registry.ListAsync(loserOwner, null));
    }

    private static async Task<(ContainerKind? Kind, Exception? Error)> Outcome(Task<ProvisionResult> provision)
    {
        try
        {
            return ((await provision).Kind, null);
        }
        catch (ContainerConflictException ex)
        {
            return (null, ex);
        }
    }
}

using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

public sealed class RegistryAndCatalogTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private IClusterClient Client => fixture.Client;

    private IRuntimeCatalogGrain Catalog(string key) => Client.GetGrain<IRuntimeCatalogGrain>(key);

    [Fact]
    public async Task Registry_ListsByOwnerAndKind_OperatorSeesAll()
    {
        var carol = new Actor("carol-" + Guid.NewGuid(), false);
        var dave = new Actor("dave-" + Guid.NewGuid(), false);
        var (game, _) = await GameAsync(Client, carol);
        var (dev, _) = await DevAsync(Client, carol);
        var (other, _) = await GameAsync(Client, dave);
        var registry = Client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key);

        CallAs.Gateway();
        var mine = await registry.ListAsync(carol, null);
        var myGames = await registry.ListAsync(carol, ContainerKind.Game);
        var all = await registry.ListAsync(Ops, null);

        Assert.Equal([game.GetPrimaryKeyLong(), dev.GetPrimaryKeyLong()], mine.Select(c => c.ContainerId).Order());
        Assert.Equal(game.GetPrimaryKeyLong(), Assert.Single(myGames).ContainerId);
        Assert.Contains(all, c => c.ContainerId == other.GetPrimaryKeyLong() && c.OwnerId == dave.UserId);
        Assert.Equal(ContainerKind.Dev, await registry.GetKindAsync(dev.GetPrimaryKeyLong()));
        Assert.Null(await registry.GetKindAsync(999_999_998));
    }

    [Fact]
    public async Task Registry_AllocateId_GivesDistinctValidIdsThatProvisionCanClaim()
    {
        var registry = Client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key);
        CallAs.Gateway();

        var ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => registry.AllocateIdAsync()));

        Assert.Equal(20, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(ContainerId.IsValid(id)));
        var result = await Client.GetGrain<ZlhGrind.Grains.GameServers.IGameServerGrain>(ids[0]).ProvisionAsync(Alice, Minecraft);
        Assert.Equal(ids[0], result.ContainerId);
    }

    [Fact]
    public async Task Registry_IdOfOtherKind_CannotBeProvisionedAgain()
    {
        var (game, _) = await GameAsync(Client);
        CallAs.Operator();
        await Catalog(IRuntimeCatalogGrain.Key).AddAsync(Node());

        CallAs.Gateway();
        var error = await Assert.ThrowsAsync<ContainerConflictException>(() =>
            Client.GetGrain<ZlhGrind.Grains.DevContainers.IDevContainerGrain>(game.GetPrimaryKeyLong())
                .ProvisionAsync(Alice, new ZlhGrind.Grains.DevContainers.DevContainerSpec("node", null, true)));
        Assert.Contains("is taken", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Catalog_FirstVersionIsPromoted_PromoteAndRollbackFollowHistory()
    {
        var catalog = Catalog("promote-" + Guid.NewGuid());
        CallAs.Operator();

        await catalog.AddAsync(Node("20.0.0"));
        await catalog.AddAsync(Node("22.0.0"));
        Assert.Equal("20.0.0", (await catalog.GetAsync()).Promoted["node"]);
        await catalog.PromoteAsync("node", "22.0.0");
        Assert.Equal("22.0.0", (await catalog.ResolveAsync("node", null)).Version);
        var rolledBack = await catalog.RollbackAsync("node");

        Assert.Equal("20.0.0", rolledBack.Promoted["node"]);
        Assert.Equal(["20.0.0", "22.0.0"], rolledBack.Entries.Select(e => e.Version));
        await Assert.ThrowsAsync<ContainerConflictException>(() => catalog.RollbackAsync("node"));
    }

    [Fact]
    public async Task Catalog_SameVersionOtherContents_IsAConflictButIdenticalIsANoOp()
    {
        var catalog = Catalog("immutable-" + Guid.NewGuid());
        CallAs.Operator();
        await catalog.AddAsync(Node());

        await catalog.AddAsync(Node());
        await Assert.ThrowsAsync<ContainerConflictException>(() => catalog.AddAsync(Node() with { Sha256 = new string('b', 64) }));
        Assert.Single((await catalog.GetAsync()).Entries);
    }

    [Theory]
    [InlineData("Node", "1.0", "http://h/a.tgz", 64, 10, "bin", "bin/node", "name")]
    [InlineData("node", "1 0", "http://h/a.tgz", 64, 10, "bin", "bin/node", "version")]
    [InlineData("node", "1.0", "ftp://h/a.tgz", 64, 10, "bin", "bin/node", "artifactUrl")]
    [InlineData("node", "1.0", "/a.tgz", 64, 10, "bin", "bin/node", "artifactUrl")]
    [InlineData("node", "1.0", "http://h/a.tgz", 63, 10, "bin", "bin/node", "sha256")]
    [InlineData("node", "1.0", "http://h/a.tgz", 64, 0, "bin", "bin/node", "sizeBytes")]
    [InlineData("node", "1.0", "http://h/a.tgz", 64, 10, "../bin", "bin/node", "binPath")]
    [InlineData("node", "1.0", "http://h/a.tgz", 64, 10, "/usr/bin", "bin/node", "binPath")]
    [InlineData("node", "1.0", "http://h/a.tgz", 64, 10, "bin", "/bin/sh", "verifyCommand")]
    [InlineData("node", "1.0", "http://h/a.tgz", 64, 10, "bin", "", "verifyCommand")]
    public async Task Catalog_InvalidEntry_IsRefusedNamingTheField(string name, string version, string url, int hashLength, long size, string bin, string verify, string field)
    {
        var entry = new RuntimeEntry(name, version, url, new string('c', hashLength), size, bin, verify.Length == 0 ? [] : [verify, "--version"]);
        CallAs.Operator();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => Catalog("invalid-" + Guid.NewGuid()).AddAsync(entry));

        Assert.StartsWith(field, error.Message, StringComparison.Ordinal);
    }
}

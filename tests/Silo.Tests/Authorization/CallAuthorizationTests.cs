using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Authorization;

/// <summary>DESIGN §4: an agent may speak only for its own container, and only as an agent.</summary>
public sealed class CallAuthorizationTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task AgentOfA_OnContainerB_CannotHeartbeatReportReadOrAct()
    {
        var (a, credentialA) = await GameAsync(Client);
        var (b, _) = await GameAsync(Client);
        var observer = Client.CreateObjectReference<IAgentObserver>(new RecordingObserver());

        CallAs.Agent(a.GetPrimaryKeyLong(), credentialA);
        await Assert.ThrowsAsync<CallerRejectedException>(() => b.HeartbeatAsync(Heartbeat(Guid.NewGuid())).AsTask());
        await Assert.ThrowsAsync<CallerRejectedException>(() => b.ReportAsync(new AgentReport(Guid.NewGuid(), [], 0)));
        await Assert.ThrowsAsync<CallerRejectedException>(() => b.GetDesiredSpecAsync());
        await Assert.ThrowsAsync<CallerRejectedException>(() => b.ConnectAgentAsync(new AgentHello(Guid.NewGuid(), "x", DateTimeOffset.UnixEpoch), observer));
        await Assert.ThrowsAsync<CallerRejectedException>(() => b.GetStatusAsync(Alice));
        await Assert.ThrowsAsync<CallerRejectedException>(() => b.PowerAsync(Alice, PowerAction.Kill));
        await Assert.ThrowsAsync<CallerRejectedException>(() => b.GetCrashesAsync(Alice));

        // The same credential on its own container works.
        Assert.Equal(1, (await a.HeartbeatAsync(Heartbeat(Guid.NewGuid()))).DesiredGeneration);
        Client.DeleteObjectReference<IAgentObserver>(observer);
    }

    [Fact]
    public async Task AgentOfDevA_CannotReadTokensOrSessionsOfDevB()
    {
        var (a, credentialA) = await DevAsync(Client);
        var (b, _) = await DevAsync(Client);

        CallAs.Agent(a.GetPrimaryKeyLong(), credentialA);
        await Assert.ThrowsAsync<CallerRejectedException>(() => b.IssueIdeTokenAsync(Alice));
        await Assert.ThrowsAsync<CallerRejectedException>(() => b.RedeemIdeTokenAsync("t"));
        await Assert.ThrowsAsync<CallerRejectedException>(() => b.ResolveIdeSessionAsync("s").AsTask());
        await Assert.ThrowsAsync<CallerRejectedException>(() => b.RevokeIdeSessionsAsync(Alice));
        await Assert.ThrowsAsync<CallerRejectedException>(() => b.CodeServerAsync(Alice, CodeServerAction.Stop));

        // Gateway-only methods stay closed even on the agent's own container.
        await Assert.ThrowsAsync<CallerRejectedException>(() => a.IssueIdeTokenAsync(Alice));
        await Assert.ThrowsAsync<CallerRejectedException>(() => a.ResolveIdeSessionAsync("s").AsTask());
    }

    [Fact]
    public async Task Agent_CannotCallRegistryOrCatalog()
    {
        var (a, credentialA) = await GameAsync(Client);
        var registry = Client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key);
        var catalog = Client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key);

        CallAs.Agent(a.GetPrimaryKeyLong(), credentialA);
        await Assert.ThrowsAsync<CallerRejectedException>(() => registry.AllocateIdAsync());
        await Assert.ThrowsAsync<CallerRejectedException>(() => registry.ListAsync(Ops, null));
        await Assert.ThrowsAsync<CallerRejectedException>(() => registry.ClaimAsync(new ContainerSummary(Ids.Next(), ContainerKind.Game, "x", DateTimeOffset.UnixEpoch)));
        await Assert.ThrowsAsync<CallerRejectedException>(() => catalog.AddAsync(Node()));
        await Assert.ThrowsAsync<CallerRejectedException>(() => catalog.GetAsync().AsTask());
    }

    [Fact]
    public async Task Agent_WithWrongCredential_IsRefusedOnItsOwnContainer()
    {
        var (a, credential) = await GameAsync(Client);

        CallAs.Agent(a.GetPrimaryKeyLong(), credential[..^1] + (credential[^1] == 'A' ? 'B' : 'A'));

        await Assert.ThrowsAsync<CallerRejectedException>(() => a.HeartbeatAsync(Heartbeat(Guid.NewGuid())).AsTask());
    }

    [Fact]
    public async Task Gateway_WithoutOrWithWrongKey_IsRefused()
    {
        var grain = Client.GetGrain<IGameServerGrain>(Ids.Next());

        CallAs.Nobody();
        var error = await Assert.ThrowsAsync<CallerRejectedException>(() => grain.ProvisionAsync(Alice, Minecraft));
        Assert.Contains("accepts Gateway callers only", error.Message, StringComparison.Ordinal);
        CallAs.GatewayWithKey("test-service-key-0123456780");
        await Assert.ThrowsAsync<CallerRejectedException>(() => grain.ProvisionAsync(Alice, Minecraft));
    }

    [Fact]
    public async Task Gateway_WithoutOperatorRole_CannotChangeTheCatalog()
    {
        var catalog = Client.GetGrain<IRuntimeCatalogGrain>("auth-" + Guid.NewGuid());

        CallAs.Gateway();
        await Assert.ThrowsAsync<CallerRejectedException>(() => catalog.AddAsync(Node()));
        await Assert.ThrowsAsync<CallerRejectedException>(() => catalog.PromoteAsync("node", "1"));
        await Assert.ThrowsAsync<CallerRejectedException>(() => catalog.RollbackAsync("node"));
        Assert.Empty((await catalog.GetAsync()).Entries);
    }

    [Fact]
    public async Task Gateway_CannotCallInternalOnlyMethods()
    {
        CallAs.Operator();

        await Assert.ThrowsAsync<CallerRejectedException>(() => Client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key)
            .ClaimAsync(new ContainerSummary(Ids.Next(), ContainerKind.Game, "mallory", DateTimeOffset.UnixEpoch)));
    }
}

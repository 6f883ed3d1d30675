using Orleans.Streams;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Grains.Watch;
using ZlhGrind.Silo.Tests.Grains;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Hostile;

/// <summary>
/// Issue 11, tried as a hostile tenant would: root in container A, running an Orleans client built from
/// Grains.Abstractions, with no credential or with A's. Every refusal is asserted exactly, and nothing changes.
/// </summary>
public sealed class HostileTenantTests(HostileTenantFixture fixture) : IClassFixture<HostileTenantFixture>
{
    private const string Trusted = "Gateway, Operator, Internal";

    public static TheoryData<string> Callers => new() { "anonymous", "agent of A" };

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task AgentMethodsOfAnotherContainer_RefusedAndNothingChanged(string caller)
    {
        var b = Client(caller).GetGrain<IGameServerGrain>(fixture.B);
        var observer = Client(caller).CreateObjectReference<IAgentObserver>(new RecordingObserver());
        var before = await fixture.ViewAsync(fixture.B);

        await RefusedAsync(() => b.ConnectAgentAsync(new AgentHello(Guid.NewGuid(), "evil", DateTimeOffset.UnixEpoch), observer), "ZlhGrind.Grains.Containers.IContainerGrain.ConnectAgentAsync", "Agent");
        await RefusedAsync(() => b.HeartbeatAsync(Heartbeat(Guid.NewGuid())).AsTask(), "ZlhGrind.Grains.Containers.IContainerGrain.HeartbeatAsync", "Agent");
        await RefusedAsync(
            () => b.ReportAsync(new AgentReport(Guid.NewGuid(), [new GameCrashed(1, DateTimeOffset.UnixEpoch, GameServerGrainTests.Crash(1))], 0)),
            "ZlhGrind.Grains.Containers.IContainerGrain.ReportAsync",
            "Agent");
        await RefusedAsync(() => b.GetDesiredSpecAsync(), "ZlhGrind.Grains.Containers.IContainerGrain.GetDesiredSpecAsync", "Agent");
        await RefusedAsync(
            () => b.ReportUsageAsync(new UsageReport([new UsagePoint(DateTimeOffset.UnixEpoch, 6400, 1L << 40, 1L << 40)], [])),
            "ZlhGrind.Grains.GameServers.IGameServerGrain.ReportUsageAsync",
            "Agent");

        Assert.Equal(before, await fixture.ViewAsync(fixture.B));
        Client(caller).DeleteObjectReference<IAgentObserver>(observer);
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task GatewayOperatorAndInternalMethods_Refused(string caller)
    {
        var client = Client(caller);
        var a = client.GetGrain<IGameServerGrain>(fixture.A);
        var d = client.GetGrain<IDevContainerGrain>(fixture.D);
        var registry = client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key);
        var catalog = client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key);
        var feed = client.GetGrain<IIdeSessionFeedGrain>(IIdeSessionFeedGrain.Key);
        var beforeA = await fixture.ViewAsync(fixture.A);
        var beforeD = await fixture.ViewAsync(fixture.D);
        var catalogBefore = (await fixture.Gateway.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).GetAsync()).Entries.Count;

        await RefusedAsync(() => a.GetStatusAsync(Ops), "ZlhGrind.Grains.Containers.IContainerGrain.GetStatusAsync", "Gateway");
        await RefusedAsync(() => a.PowerAsync(Ops, PowerAction.Kill), "ZlhGrind.Grains.GameServers.IGameServerGrain.PowerAsync", "Gateway");
        await RefusedAsync(() => a.GetCrashesAsync(Ops), "ZlhGrind.Grains.GameServers.IGameServerGrain.GetCrashesAsync", "Gateway");
        await RefusedAsync(() => a.GetUsageAsync(Ops, UsageResolution.Fast), "ZlhGrind.Grains.GameServers.IGameServerGrain.GetUsageAsync", "Gateway");
        await RefusedAsync(() => client.GetGrain<IGameServerGrain>(Ids.Next()).ProvisionAsync(Alice, Minecraft), "ZlhGrind.Grains.GameServers.IGameServerGrain.ProvisionAsync", "Gateway");
        await RefusedAsync(() => d.IssueIdeTokenAsync(Ops), "ZlhGrind.Grains.DevContainers.IDevContainerGrain.IssueIdeTokenAsync", "Gateway");
        await RefusedAsync(() => d.RedeemIdeTokenAsync("x"), "ZlhGrind.Grains.DevContainers.IDevContainerGrain.RedeemIdeTokenAsync", "Gateway");
        await RefusedAsync(() => d.ResolveIdeSessionAsync("x").AsTask(), "ZlhGrind.Grains.DevContainers.IDevContainerGrain.ResolveIdeSessionAsync", "Gateway");
        await RefusedAsync(() => d.RevokeIdeSessionsAsync(Ops), "ZlhGrind.Grains.DevContainers.IDevContainerGrain.RevokeIdeSessionsAsync", "Gateway");
        await RefusedAsync(() => d.CodeServerAsync(Ops, CodeServerAction.Stop), "ZlhGrind.Grains.DevContainers.IDevContainerGrain.CodeServerAsync", "Gateway");
        await RefusedAsync(() => registry.AllocateIdAsync(), "ZlhGrind.Grains.Containers.IContainerRegistryGrain.AllocateIdAsync", "Gateway");
        await RefusedAsync(() => registry.GetKindAsync(fixture.B).AsTask(), "ZlhGrind.Grains.Containers.IContainerRegistryGrain.GetKindAsync", "Gateway, Internal");
        await RefusedAsync(() => registry.ListAsync(Ops, null), "ZlhGrind.Grains.Containers.IContainerRegistryGrain.ListAsync", "Gateway");
        await RefusedAsync(
            () => registry.ClaimAsync(new ContainerSummary(Ids.Next(), ContainerKind.Game, "mallory", DateTimeOffset.UnixEpoch)), "ZlhGrind.Grains.Containers.IContainerRegistryGrain.ClaimAsync", "Internal");
        await RefusedAsync(() => catalog.GetAsync().AsTask(), "ZlhGrind.Grains.Runtimes.IRuntimeCatalogGrain.GetAsync", "Gateway, Internal");
        await RefusedAsync(() => catalog.AddAsync(Node("66.6.6")), "ZlhGrind.Grains.Runtimes.IRuntimeCatalogGrain.AddAsync", "Operator");
        await RefusedAsync(() => catalog.PromoteAsync("node", "22.1.0"), "ZlhGrind.Grains.Runtimes.IRuntimeCatalogGrain.PromoteAsync", "Operator");
        await RefusedAsync(() => catalog.RollbackAsync("node"), "ZlhGrind.Grains.Runtimes.IRuntimeCatalogGrain.RollbackAsync", "Operator");
        await RefusedAsync(() => feed.ChangedAsync(fixture.D), "ZlhGrind.Grains.DevContainers.IIdeSessionFeedGrain.ChangedAsync", "Internal");
        await RefusedAsync(() => feed.ChangesSinceAsync(Guid.Empty, 0).AsTask(), "ZlhGrind.Grains.DevContainers.IIdeSessionFeedGrain.ChangesSinceAsync", "Gateway");

        Assert.Equal(beforeA, await fixture.ViewAsync(fixture.A));
        Assert.Equal(beforeD, await fixture.ViewAsync(fixture.D));
        Assert.Equal(catalogBefore, (await fixture.Gateway.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).GetAsync()).Entries.Count);
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task ManagementGrainAndGrainExtensions_Refused(string caller)
    {
        var management = Client(caller).GetGrain<IManagementGrain>(0);

        await RefusedAsync(() => management.GetHosts(onlyActive: true), "Orleans.Runtime.IManagementGrain.GetHosts", Trusted);
        await RefusedAsync(() => management.GetDetailedGrainStatistics(), "Orleans.Runtime.IManagementGrain.GetDetailedGrainStatistics", Trusted);
        await RefusedAsync(() => management.ForceActivationCollection(TimeSpan.Zero), "Orleans.Runtime.IManagementGrain.ForceActivationCollection", Trusted);
        await RefusedAsync(
            () => Client(caller).GetGrain<IGameServerGrain>(fixture.B).AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle().AsTask(),
            "Orleans.Core.Internal.IGrainManagementExtension.DeactivateOnIdle",
            Trusted);
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task SubscribeToAnotherContainersEvents_Refused(string caller)
    {
        var stream = Events(Client(caller), fixture.B);

        var error = await Assert.ThrowsAsync<CallerRejectedException>(() => stream.SubscribeAsync((_, _) => Task.CompletedTask));

        Assert.Equal(Refusal("Orleans.Streams.IPubSubRendezvousGrain.RegisterConsumer", Trusted), error.Message);
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task PublishAForgedCrashOnAnotherContainer_RefusedAndTheOwnerSeesOnlyRealEvents(string caller)
    {
        var received = new TaskCompletionSource<ContainerEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = await Events(fixture.Gateway, fixture.B).SubscribeAsync((e, _) =>
        {
            received.TrySetResult(e);
            return Task.CompletedTask;
        });
        var before = await fixture.ViewAsync(fixture.B);
        var forged = new ContainerEvent(fixture.B, ContainerEventKind.Crashed, DateTimeOffset.UnixEpoch, "crashed: oom", (await fixture.Gateway.GetGrain<IGameServerGrain>(fixture.B).GetStatusAsync(Ops)) with { State = "Crashed" }, GameServerGrainTests.Crash(1), 1);

        var error = await Assert.ThrowsAsync<CallerRejectedException>(() => Events(Client(caller), fixture.B).OnNextAsync(forged));

        Assert.Equal(Refusal("Orleans.Providers.IMemoryStreamQueueGrain.Enqueue", Trusted), error.Message);
        Assert.Equal(before, await fixture.ViewAsync(fixture.B));

        // A real change of B is the barrier: the first event the owner's portal sees is that one, not the forgery.
        await fixture.Gateway.GetGrain<IGameServerGrain>(fixture.B).PowerAsync(Alice, PowerAction.Stop);
        var first = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ContainerEventKind.SpecChanged, first.Kind);
        Assert.Equal("power stop requested", first.Summary);
        await subscription.UnsubscribeAsync();
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task ConnectivityWatchAndEventReplay_CalledByATenant_RefusedAndNothingChanged(string caller)
    {
        var client = Client(caller);
        var a = client.GetGrain<IGameServerGrain>(fixture.A);
        var partition = client.GetGrain<IConnectivityWatchGrain>(ConnectivityWatch.PartitionOf(fixture.A));
        var before = await fixture.ViewAsync(fixture.A);

        await RefusedAsync(() => a.AsReference<IConnectivityCheck>().CheckConnectivityAsync(), "ZlhGrind.Silo.Grains.Watch.IConnectivityCheck.CheckConnectivityAsync", "Internal");
        await RefusedAsync(() => partition.WatchAsync(fixture.A, ContainerKind.Game, DateTimeOffset.MaxValue), "ZlhGrind.Silo.Grains.Watch.IConnectivityWatchGrain.WatchAsync", "Internal");
        await RefusedAsync(() => partition.SweepAsync(), "ZlhGrind.Silo.Grains.Watch.IConnectivityWatchGrain.SweepAsync", "Internal");
        await RefusedAsync(() => a.GetEventsSinceAsync(Ops, 0), "ZlhGrind.Grains.Containers.IContainerGrain.GetEventsSinceAsync", "Gateway");

        Assert.Equal(before, await fixture.ViewAsync(fixture.A));
    }

    [Fact]
    public async Task ForgedInternalProof_Refused()
    {
        var id = Ids.Next();
        RequestContext.Set("zlh.in", "forged-proof");
        var error = await Assert.ThrowsAsync<CallerRejectedException>(() => fixture.Anonymous.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key)
            .ClaimAsync(new ContainerSummary(id, ContainerKind.Game, "mallory", DateTimeOffset.UnixEpoch)));
        RequestContext.Remove("zlh.in");

        Assert.Equal(Refusal("ZlhGrind.Grains.Containers.IContainerRegistryGrain.ClaimAsync", "Internal"), error.Message);
        Assert.Null(await fixture.Gateway.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).GetKindAsync(id));
    }

    [Fact]
    public async Task AgentOfA_MessageOverTheSilosLimit_ConnectionClosedAndNothingStored()
    {
        var before = await fixture.ViewAsync(fixture.A);
        await using var hostile = await fixture.ConnectAsAgentOfAAsync();
        var a = hostile.Client.GetGrain<IGameServerGrain>(fixture.A);

        // 9 Mi characters: over the silo's 8 MiB body limit, so the silo closes the connection without deserializing it
        // and no answer ever comes (the client gives up after its response timeout).
        var error = await Assert.ThrowsAsync<TimeoutException>(() => a.HeartbeatAsync(Heartbeat(Guid.NewGuid()) with { AgentVersion = new string('v', 9 * 1024 * 1024) }).AsTask());

        Assert.StartsWith("Response did not arrive on time in 00:00:05 for message", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.ViewAsync(fixture.A));
    }

    [Fact]
    public async Task SecretsOfCallers_NeverReachAStreamSubscriberOrAnAgentsObserver()
    {
        var secrets = new[] { CallContextKeys.ServiceKey, CallContextKeys.Operator, CallContextKeys.AgentContainerId, CallContextKeys.AgentCredential, "zlh.in" };
        var events = new List<(ContainerEventKind Kind, string[] Keys)>();
        var threeEvents = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = await Events(fixture.Gateway, fixture.A).SubscribeAsync((e, _) =>
        {
            lock (events)
            {
                events.Add((e.Kind, RequestContext.Keys.ToArray()));
                if (events.Count == 3)
                {
                    threeEvents.TrySetResult();
                }
            }

            return Task.CompletedTask;
        });
        var observer = new RecordingObserver();
        var reference = fixture.AgentA.CreateObjectReference<IAgentObserver>(observer);
        var a = fixture.AgentA.GetGrain<IGameServerGrain>(fixture.A);
        await a.ConnectAgentAsync(new AgentHello(Guid.NewGuid(), "test", DateTimeOffset.UnixEpoch), reference);

        // Published inside an agent's connect, a gateway's operator call (which also hints the observer) and an agent's report.
        using (OperatorScope.Enter())
        {
            await fixture.Gateway.GetGrain<IGameServerGrain>(fixture.A).PowerAsync(Ops, PowerAction.Stop);
        }

        await a.ReportAsync(new AgentReport(Guid.NewGuid(), [new GameStateChanged(1, DateTimeOffset.UnixEpoch, GameServerState.Installing, null)], 0));
        await observer.FirstHint.WaitAsync(TimeSpan.FromSeconds(30));
        await threeEvents.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(observer.ContextKeys.Intersect(secrets));
        lock (events)
        {
            Assert.Equal([ContainerEventKind.ConnectivityChanged, ContainerEventKind.SpecChanged, ContainerEventKind.StateChanged], events.Take(3).Select(e => e.Kind));
            Assert.All(events, e => Assert.Empty(e.Keys.Intersect(secrets)));
        }

        await subscription.UnsubscribeAsync();
        fixture.AgentA.DeleteObjectReference<IAgentObserver>(reference);
    }

    private static IAsyncStream<ContainerEvent> Events(IClusterClient client, long id) =>
        client.GetStreamProvider(ContainerEvents.StreamProvider).GetStream<ContainerEvent>(StreamId.Create(ContainerEvents.Namespace, id));

    private static string Refusal(string method, string accepted) => $"{method} accepts {accepted} callers only; this caller did not prove to be one.";

    private static async Task RefusedAsync(Func<Task> call, string method, string accepted)
    {
        var error = await Assert.ThrowsAsync<CallerRejectedException>(call);
        Assert.Equal(Refusal(method, accepted), error.Message);
    }

    private IClusterClient Client(string caller) => caller == "anonymous" ? fixture.Anonymous : fixture.AgentA;
}

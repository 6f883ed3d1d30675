using Orleans.Streams;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

/// <summary>Deletion of a container (issue 14), through the real grains of a cluster on a fake clock of its own.</summary>
public sealed class DeletionTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private const string NotConfirmed = "deleted; agent did not confirm: its data was not removed";

    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task Delete_ConnectedAgent_ShowsDeletingHintsTheAgentAndTheSpecCarriesTheDeletion()
    {
        var (grain, credential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();
        var observer = new RecordingObserver();
        var reference = Client.CreateObjectReference<IAgentObserver>(observer);
        CallAs.Agent(id, credential);
        await grain.ConnectAgentAsync(new AgentHello(Guid.NewGuid(), "test", DateTimeOffset.UnixEpoch), reference);
        var before = await grain.GetDesiredSpecAsync();
        await using var events = await EventTap.OpenAsync(Client, id);

        CallAs.Gateway();
        var status = await grain.DeleteAsync(Alice, keepData: true);

        Assert.Equal("Deleting", status.State);
        Assert.Equal(2, status.DesiredGeneration);
        Assert.Equal(2, await observer.FirstHint.WaitAsync(TimeSpan.FromSeconds(10)));
        var published = await events.NextAsync(ContainerEventKind.StateChanged);
        Assert.Equal("now Deleting (data kept)", published.Summary);
        Assert.Equal("Deleting", published.Status.State);
        CallAs.Agent(id, credential);
        var spec = await grain.GetDesiredSpecAsync();
        Assert.Equal(2, spec.Generation);
        Assert.Equal(new DeletionDesired(KeepData: true), spec.Deletion);
        // The game part is untouched: the agent stops what it runs because of the deletion, not a new power state.
        Assert.Equal(before.Game!.Spec.Launch!.Argv, spec.Game!.Spec.Launch!.Argv);
        Assert.Equal((before.Game.Spec.StartCommand, DesiredPower.Stopped, 0L, (PowerAction?)null), (spec.Game.Spec.StartCommand, spec.Game.Power, spec.Game.PowerRequest, spec.Game.LastAction));
        CallAs.Gateway();
        Assert.Equal("Deleting", (await grain.GetStatusAsync(Alice)).State);
        Client.DeleteObjectReference<IAgentObserver>(reference);
    }

    [Fact]
    public async Task Delete_AgentConfirms_CredentialRefusedStateClearedAndTheIdIsGoneEverywhere()
    {
        var (grain, credential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();
        var instance = Guid.NewGuid();
        await ReportStatesAsync(grain, credential, instance, 1, GameServerState.Installing, GameServerState.Stopped);
        await using var events = await EventTap.OpenAsync(Client, id);
        CallAs.Gateway();
        await grain.DeleteAsync(Alice, keepData: false);

        CallAs.Agent(id, credential);
        var ack = await grain.ReportAsync(new AgentReport(instance, [new DeletionFinished(3, DateTimeOffset.UnixEpoch, DataRemoved: true, null)], 0));

        Assert.Equal(new ReportAck(3, null), ack with { Rejected = ack.Rejected });
        Assert.Null(ack.Rejected);
        var deleted = await events.NextAsync(ContainerEventKind.Deleted);
        Assert.Equal("deleted; the agent stopped the workload and removed its data", deleted.Summary);
        Assert.Equal("Deleted", deleted.Status.State);
        Assert.Equal("alice", deleted.Status.OwnerId);

        // The old credential, whoever holds it, is refused with the filter's ordinary refusal.
        var connect = await Assert.ThrowsAsync<CallerRejectedException>(() => grain.ConnectAgentAsync(new AgentHello(Guid.NewGuid(), "test", DateTimeOffset.UnixEpoch), Client.CreateObjectReference<IAgentObserver>(new RecordingObserver())));
        Assert.Equal(Refusal("ConnectAgentAsync", "Agent"), connect.Message);
        var beat = await Assert.ThrowsAsync<CallerRejectedException>(() => grain.HeartbeatAsync(Heartbeat(instance)).AsTask());
        Assert.Equal(Refusal("HeartbeatAsync", "Agent"), beat.Message);
        var report = await Assert.ThrowsAsync<CallerRejectedException>(() => grain.ReportAsync(new AgentReport(instance, [], 0)));
        Assert.Equal(Refusal("ReportAsync", "Agent"), report.Message);

        CallAs.Gateway();
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetStatusAsync(Alice));
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetStatusAsync(Ops));
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetCrashesAsync(Alice));
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.DeleteAsync(Alice, keepData: false));
        var registry = Client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key);
        Assert.Null(await registry.GetKindAsync(id));
        Assert.DoesNotContain(await registry.ListAsync(Alice, null), c => c.ContainerId == id);
        CallAs.Operator();
        Assert.DoesNotContain(await registry.ListAsync(Ops, null), c => c.ContainerId == id);
    }

    [Fact]
    public async Task Delete_AnotherUser_IsNotFoundAndNothingChanges()
    {
        var (grain, credential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();
        CallAs.Agent(id, credential);
        await grain.ConnectAgentAsync(new AgentHello(Guid.NewGuid(), "test", DateTimeOffset.UnixEpoch), Client.CreateObjectReference<IAgentObserver>(new RecordingObserver()));
        CallAs.Gateway();
        var before = await grain.GetStatusAsync(Alice);

        var error = await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.DeleteAsync(Bob, keepData: false));

        Assert.Equal(id, error.ContainerId);
        Assert.Equal(before with { LastHeartbeatAt = null }, (await grain.GetStatusAsync(Alice)) with { LastHeartbeatAt = null });
        CallAs.Agent(id, credential);
        Assert.Null((await grain.GetDesiredSpecAsync()).Deletion);
        Assert.Equal(1, (await grain.HeartbeatAsync(Heartbeat(Guid.NewGuid()))).DesiredGeneration);
    }

    [Fact]
    public async Task Delete_CalledByTheAgentOrAClientHoldingItsCredential_IsRefusedAndNothingChanges()
    {
        var (grain, credential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();

        CallAs.Agent(id, credential);
        var error = await Assert.ThrowsAsync<CallerRejectedException>(() => grain.DeleteAsync(Alice, keepData: false));

        Assert.Equal("ZlhGrind.Grains.Containers.IContainerGrain.DeleteAsync accepts Gateway callers only; this caller did not prove to be one.", error.Message);
        Assert.Null((await grain.GetDesiredSpecAsync()).Deletion);
        CallAs.Gateway();
        var status = await grain.GetStatusAsync(Alice);
        Assert.Equal("Provisioning", status.State);
        Assert.Equal(1, status.DesiredGeneration);
    }

    [Fact]
    public async Task Delete_AgentNeverConnected_FinishesAtOnceAndSaysTheDataWasNotRemoved()
    {
        var (grain, credential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();
        await using var events = await EventTap.OpenAsync(Client, id);

        CallAs.Gateway();
        var status = await grain.DeleteAsync(Ops, keepData: false);

        Assert.Equal("Deleted", status.State);
        Assert.Equal(NotConfirmed, (await events.NextAsync(ContainerEventKind.Deleted)).Summary);
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetStatusAsync(Alice));
        CallAs.Agent(id, credential);
        var refused = await Assert.ThrowsAsync<CallerRejectedException>(() => grain.GetDesiredSpecAsync());
        Assert.Equal(Refusal("GetDesiredSpecAsync", "Agent"), refused.Message);
    }

    [Fact]
    public async Task Delete_AgentSilentPastTheGrace_FinishesWithoutIt()
    {
        var (grain, credential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();
        CallAs.Agent(id, credential);
        await grain.HeartbeatAsync(Heartbeat(Guid.NewGuid()));
        await using var events = await EventTap.OpenAsync(Client, id);
        CallAs.Gateway();
        await grain.DeleteAsync(Alice, keepData: false);

        // Just short of Containers:DeleteAgentGrace (2 min): the agent may still confirm.
        fixture.Time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        await events.NextAsync(ContainerEventKind.ConnectivityChanged);
        Assert.Equal("Deleting", (await grain.GetStatusAsync(Alice)).State);

        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var deleted = await events.NextAsync(ContainerEventKind.Deleted);

        Assert.Equal(NotConfirmed, deleted.Summary);
        Assert.Equal("Deleted", deleted.Status.State);
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetStatusAsync(Alice));
        CallAs.Agent(id, credential);
        await Assert.ThrowsAsync<CallerRejectedException>(() => grain.HeartbeatAsync(Heartbeat(Guid.NewGuid())).AsTask());
    }

    [Fact]
    public async Task Delete_Twice_WhileDeletingKeepsTheFirstRequestAndAfterwardsIsNotFound()
    {
        var (grain, credential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();
        var instance = Guid.NewGuid();
        await ReportStatesAsync(grain, credential, instance, 1, GameServerState.Installing);
        CallAs.Gateway();
        await grain.DeleteAsync(Alice, keepData: true);

        var again = await grain.DeleteAsync(Alice, keepData: false);

        Assert.Equal("Deleting", again.State);
        Assert.Equal(2, again.DesiredGeneration);
        CallAs.Agent(id, credential);
        Assert.Equal(new DeletionDesired(KeepData: true), (await grain.GetDesiredSpecAsync()).Deletion);
        await grain.ReportAsync(new AgentReport(instance, [new DeletionFinished(2, DateTimeOffset.UnixEpoch, DataRemoved: false, null)], 0));
        CallAs.Gateway();
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.DeleteAsync(Alice, keepData: false));
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.DeleteAsync(Ops, keepData: false));
    }

    [Fact]
    public async Task Power_WhileDeleting_IsAConflictAndNothingChanges()
    {
        var (grain, credential) = await GameAsync(Client);
        await ReportStatesAsync(grain, credential, Guid.NewGuid(), 1, GameServerState.Installing, GameServerState.Stopped);
        CallAs.Gateway();
        await grain.DeleteAsync(Alice, keepData: false);

        var error = await Assert.ThrowsAsync<ContainerConflictException>(() => grain.PowerAsync(Alice, PowerAction.Start));

        Assert.Equal($"Container {grain.GetPrimaryKeyLong()} is being deleted.", error.Message);
        var status = await grain.GetStatusAsync(Alice);
        Assert.Equal(2, status.DesiredGeneration);
        Assert.Equal("Stopped", status.Game!.DesiredPower);
    }

    [Fact]
    public async Task Report_DeletionFinishedWithoutADeletion_IsRefusedAndTheContainerStays()
    {
        var (grain, credential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();

        CallAs.Agent(id, credential);
        var ack = await grain.ReportAsync(new AgentReport(Guid.NewGuid(), [new DeletionFinished(1, DateTimeOffset.UnixEpoch, DataRemoved: true, null)], 0));

        Assert.Equal([$"#1: Container {id} is not being deleted."], ack.Rejected);
        CallAs.Gateway();
        Assert.Equal("Provisioning", (await grain.GetStatusAsync(Alice)).State);
    }

    [Fact]
    public async Task Provision_AfterDeletion_IsANewContainerWithANewCredential()
    {
        var (grain, oldCredential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();
        CallAs.Gateway();
        await grain.DeleteAsync(Alice, keepData: false);

        CallAs.Operator();
        var again = await grain.ProvisionAsync(Bob, Minecraft);

        Assert.Equal("Provisioning", again.Status.State);
        Assert.Equal("bob", again.Status.OwnerId);
        Assert.NotEqual(oldCredential, again.AgentCredential);
        Assert.Equal(ContainerKind.Game, await Client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).GetKindAsync(id));
        CallAs.Agent(id, oldCredential);
        await Assert.ThrowsAsync<CallerRejectedException>(() => grain.GetDesiredSpecAsync());
        CallAs.Agent(id, again.AgentCredential);
        Assert.Null((await grain.GetDesiredSpecAsync()).Deletion);
    }

    [Fact]
    public async Task Delete_DevContainer_EndsItsIdeSessions()
    {
        var (grain, credential) = await DevAsync(Client);
        var id = grain.GetPrimaryKeyLong();
        CallAs.Gateway();
        var grant = await grain.IssueIdeTokenAsync(Alice);
        var redeemed = await grain.RedeemIdeTokenAsync(grant.Token);
        Assert.Equal(IdeAccessStatus.Accepted, (await grain.ResolveIdeSessionAsync(redeemed.SessionId!)).Status);
        var instance = Guid.NewGuid();
        CallAs.Agent(id, credential);
        await grain.ReportAsync(new AgentReport(instance, [new DevStateChanged(1, DateTimeOffset.UnixEpoch, DevContainerState.Installing, null)], 0));
        CallAs.Gateway();
        await grain.DeleteAsync(Alice, keepData: false);
        var refusedToken = await Assert.ThrowsAsync<ContainerConflictException>(() => grain.IssueIdeTokenAsync(Alice));
        Assert.Equal($"Container {id} is being deleted.", refusedToken.Message);

        CallAs.Agent(id, credential);
        await grain.ReportAsync(new AgentReport(instance, [new DeletionFinished(2, DateTimeOffset.UnixEpoch, DataRemoved: true, null)], 0));

        CallAs.Gateway();
        var lookup = await grain.ResolveIdeSessionAsync(redeemed.SessionId!);
        Assert.Equal(IdeAccessStatus.Unknown, lookup.Status);
        Assert.Equal(new IdeRedeemResult(IdeAccessStatus.Unknown, null, null), await grain.RedeemIdeTokenAsync(grant.Token));
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetStatusAsync(Alice));
    }

    private static string Refusal(string method, string accepted) =>
        $"ZlhGrind.Grains.Containers.IContainerGrain.{method} accepts {accepted} callers only; this caller did not prove to be one.";

    /// <summary>A subscription to one container's live events that hands them out in order.</summary>
    private sealed class EventTap : IAsyncDisposable
    {
        private readonly System.Threading.Channels.Channel<ContainerEvent> _events = System.Threading.Channels.Channel.CreateUnbounded<ContainerEvent>();
        private StreamSubscriptionHandle<ContainerEvent>? _subscription;

        public static async Task<EventTap> OpenAsync(IClusterClient client, long id)
        {
            var tap = new EventTap();
            CallAs.Gateway();
            var stream = client.GetStreamProvider(ContainerEvents.StreamProvider).GetStream<ContainerEvent>(StreamId.Create(ContainerEvents.Namespace, id));
            tap._subscription = await stream.SubscribeAsync((e, _) => tap._events.Writer.WriteAsync(e).AsTask());
            return tap;
        }

        /// <summary>The next event of <paramref name="kind"/>, skipping others.</summary>
        public async Task<ContainerEvent> NextAsync(ContainerEventKind kind)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                var next = await _events.Reader.ReadAsync(timeout.Token);
                if (next.Kind == kind)
                {
                    return next;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            CallAs.Gateway();
            if (_subscription is not null)
            {
                await _subscription.UnsubscribeAsync();
            }
        }
    }
}

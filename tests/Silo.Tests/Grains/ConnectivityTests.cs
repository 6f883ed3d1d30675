using Orleans.Streams;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

public sealed class ConnectivityTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task Heartbeats_StopForThreeIntervals_AgentBecomesUnreachableAndEventIsPublished()
    {
        var (grain, credential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();
        var unreachable = new TaskCompletionSource<ContainerEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = Client.GetStreamProvider(ContainerEvents.StreamProvider).GetStream<ContainerEvent>(StreamId.Create(ContainerEvents.Namespace, id));
        CallAs.Gateway();
        var subscription = await stream.SubscribeAsync((e, _) =>
        {
            if (e.Kind == ContainerEventKind.ConnectivityChanged && e.Status.Connectivity == Connectivity.Unreachable)
            {
                unreachable.TrySetResult(e);
            }

            return Task.CompletedTask;
        });

        CallAs.Agent(id, credential);
        await grain.HeartbeatAsync(Heartbeat(Guid.NewGuid()));
        var lastBeat = fixture.Time.GetUtcNow();
        CallAs.Gateway();
        Assert.Equal(Connectivity.Connected, (await grain.GetStatusAsync(Alice)).Connectivity);

        // Two intervals and a bit: still within the three allowed.
        fixture.Time.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(Connectivity.Connected, (await grain.GetStatusAsync(Alice)).Connectivity);

        // The third interval passes: the grain timer (driven by the same clock) notices and publishes.
        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        var published = await unreachable.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(lastBeat.AddSeconds(15), published.Status.UnreachableSince);
        var status = await grain.GetStatusAsync(Alice);
        Assert.Equal(Connectivity.Unreachable, status.Connectivity);
        Assert.Equal(lastBeat.AddSeconds(15), status.UnreachableSince);
        Assert.Equal(lastBeat, status.LastHeartbeatAt);

        CallAs.Agent(id, credential);
        await grain.HeartbeatAsync(Heartbeat(Guid.NewGuid()));
        CallAs.Gateway();
        var back = await grain.GetStatusAsync(Alice);
        Assert.Equal(Connectivity.Connected, back.Connectivity);
        Assert.Null(back.UnreachableSince);
        Assert.Equal(4242, back.Process!.Pid);
        await subscription.UnsubscribeAsync();
    }

    [Fact]
    public async Task Status_BeforeAnyAgent_IsUnknownNotUnreachable()
    {
        var (grain, _) = await GameAsync(Client);

        fixture.Time.Advance(TimeSpan.FromMinutes(5));
        CallAs.Gateway();
        var status = await grain.GetStatusAsync(Alice);

        Assert.Equal(Connectivity.Unknown, status.Connectivity);
        Assert.Null(status.LastHeartbeatAt);
    }
}

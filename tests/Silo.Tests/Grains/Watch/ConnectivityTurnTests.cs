using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Concurrency;
using Orleans.Streams;
using Xunit.Abstractions;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Grains.Containers;
using ZlhGrind.Silo.Grains.DevContainers;
using ZlhGrind.Silo.Grains.GameServers;
using ZlhGrind.Silo.Grains.Watch;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains.Watch;

/// <summary>Issue 17: the connectivity check is an ordinary turn of the container grain, never interleaved with another.</summary>
public sealed class ConnectivityTurnTests(ITestOutputHelper output)
{
    [Fact]
    public void ContainerGrains_NothingInterleaves_NoReentrancyAnywhere()
    {
        Type[] grains = [typeof(GameServerGrain), typeof(DevContainerGrain), typeof(ContainerGrainBase)];
        Type[] interfaces = [typeof(IConnectivityCheck), typeof(IContainerGrain), typeof(IGameServerGrain), typeof(IDevContainerGrain)];

        var reentrant = grains.Where(g => g.GetCustomAttributes<ReentrantAttribute>(inherit: true).Any() || g.GetCustomAttributes<MayInterleaveAttribute>(inherit: true).Any());
        var interleaving = interfaces.SelectMany(i => i.GetMethods())
            .Where(m => m.GetCustomAttribute<AlwaysInterleaveAttribute>() is not null || m.GetCustomAttribute<ReadOnlyAttribute>() is not null)
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}");

        Assert.Empty(reentrant);
        Assert.Empty(interleaving);
        Assert.All(grains, g => Assert.Contains(typeof(IConnectivityCheck), g.GetInterfaces()));
    }

    [Fact]
    public async Task CheckConnectivity_DueWhileAReportIsBeingWritten_RunsAfterThatTurnAndPublishesAfterTheWrite()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var probe = new TurnProbe();
        await using var cluster = await TestClusters.StartAsync(TestClusters.Configuration(), time: time, configureSilo: silo =>
        {
            silo.AddIncomingGrainCallFilter(probe);
            silo.AddOutgoingGrainCallFilter(probe);
        });
        output.WriteLine($"cluster up after {clock.ElapsedMilliseconds} ms");
        var (game, credential) = await GameAsync(cluster.Client);
        var id = game.GetPrimaryKeyLong();
        CallAs.Agent(id, credential);
        await game.ConnectAgentAsync(new AgentHello(Guid.NewGuid(), "test", time.GetUtcNow()), cluster.Client.CreateObjectReference<IAgentObserver>(new RecordingObserver()));
        await game.HeartbeatAsync(Heartbeat(Guid.NewGuid()));
        var unreachable = await WatchSiloLossTests.SubscribeUnreachableAsync(cluster.Client, id);
        var bothLogged = await probe.EventsArrived(cluster.Client, id, ContainerEventKind.StateChanged, ContainerEventKind.ConnectivityChanged);

        probe.Watch(game.GetGrainId());
        var report = ReportStatesAsync(game, credential, Guid.NewGuid(), 1, GameServerState.Installing);
        await probe.WriteHeld.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(16));
        await probe.CheckSent.WaitAsync(TimeSpan.FromSeconds(10));
        probe.ReleaseWrites();
        var ack = await report.WaitAsync(TimeSpan.FromSeconds(10));
        var published = await unreachable.WaitAsync(TimeSpan.FromSeconds(10));
        // The probe's own subscription may hear the events after the test's: both must be in its log before it is read.
        await bothLogged.WaitAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"scenario done after {clock.ElapsedMilliseconds} ms");

        Assert.Equal(1, ack.AppliedThrough);
        Assert.Equal("Installing", published.Status.State);
        var log = probe.Log.ToList();
        Assert.Equal(["begin ReportAsync", "write held", "write done", "end ReportAsync", "begin CheckConnectivityAsync", "end CheckConnectivityAsync"], log.Where(e => !e.StartsWith("event", StringComparison.Ordinal)));

        // The state change is published after its write, carrying the status right after the agent's event (the agent
        // had just reported, so connected, though the deadline passed while the write was held); the connectivity
        // change only from the check's own turn.
        Assert.True(log.IndexOf("event StateChanged Installing Connected") > log.IndexOf("write done"), string.Join(", ", log));
        Assert.True(log.IndexOf("event ConnectivityChanged Installing Unreachable") > log.IndexOf("begin CheckConnectivityAsync"), string.Join(", ", log));
    }

    /// <summary>
    /// Silo filters around one container grain: records its turns (an incoming filter runs inside the turn), holds its
    /// storage writes (memory storage writes are calls to storage grains) until released, and signals when the watch
    /// asks it for its connectivity.
    /// </summary>
    private sealed class TurnProbe : IIncomingGrainCallFilter, IOutgoingGrainCallFilter
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _writeHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _checkSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private GrainId? _watched;

        public ConcurrentQueue<string> Log { get; } = new();

        public Task WriteHeld => _writeHeld.Task;

        public Task CheckSent => _checkSent.Task;

        public void Watch(GrainId grain) => _watched = grain;

        public void ReleaseWrites() => _release.TrySetResult();

        /// <summary>Subscribes, logging every event once watching, and returns a task that completes when an event of each of <paramref name="kinds"/> has arrived while watching.</summary>
        public async Task<Task> EventsArrived(IClusterClient client, long id, params ContainerEventKind[] kinds)
        {
            var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var awaited = new HashSet<ContainerEventKind>(kinds);
            CallAs.Gateway();
            await client.GetStreamProvider(ZlhGrind.Grains.Events.ContainerEvents.StreamProvider)
                .GetStream<ZlhGrind.Grains.Events.ContainerEvent>(StreamId.Create(ZlhGrind.Grains.Events.ContainerEvents.Namespace, id))
                .SubscribeAsync((e, _) =>
                {
                    if (_watched is not null)
                    {
                        Log.Enqueue($"event {e.Kind} {e.Status.State} {e.Status.Connectivity}");

                        // Stream deliveries to one subscription are sequential, so the set is touched by one callback at a time.
                        if (awaited.Remove(e.Kind) && awaited.Count == 0)
                        {
                            arrived.TrySetResult();
                        }
                    }

                    return Task.CompletedTask;
                });
            return arrived.Task;
        }

        async Task IIncomingGrainCallFilter.Invoke(IIncomingGrainCallContext context)
        {
            var mine = _watched == context.TargetId && context.MethodName is "ReportAsync" or "CheckConnectivityAsync";
            if (mine)
            {
                Log.Enqueue("begin " + context.MethodName);
            }

            await context.Invoke();
            if (mine)
            {
                Log.Enqueue("end " + context.MethodName);
            }
        }

        async Task IOutgoingGrainCallFilter.Invoke(IOutgoingGrainCallContext context)
        {
            if (_watched is { } watched && context.SourceId == watched && context.InterfaceName.Contains("MemoryStorageGrain", StringComparison.Ordinal) && context.MethodName.StartsWith("Write", StringComparison.Ordinal) && !_release.Task.IsCompleted)
            {
                Log.Enqueue("write held");
                _writeHeld.TrySetResult();
                await _release.Task;
                await context.Invoke();
                Log.Enqueue("write done");
                return;
            }

            if (_watched is { } target && context.TargetId == target && context.MethodName == "CheckConnectivityAsync")
            {
                _checkSent.TrySetResult();
            }

            await context.Invoke();
        }
    }
}

using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

/// <summary>Issue 17: a live-event stream that stops answering (its queue died with a silo) never holds a container's turn.</summary>
public sealed class EventPublishTests
{
    [Fact]
    public async Task Report_StreamQueueNeverAnswers_TurnEndsAfterThePublishTimeoutAndTheEventIsInTheBuffer()
    {
        var queue = new StuckQueue();
        var configuration = TestClusters.Configuration(new Dictionary<string, string?> { ["Containers:EventPublishTimeout"] = "00:00:00.200" });
        await using var cluster = await TestClusters.StartAsync(configuration, configureSilo: silo => silo.AddOutgoingGrainCallFilter(queue));
        var (game, credential) = await GameAsync(cluster.Client);

        queue.Stick();
        var ack = await ReportStatesAsync(game, credential, Guid.NewGuid(), 1, GameServerState.Installing).WaitAsync(TimeSpan.FromSeconds(20));
        await queue.Entered.WaitAsync(TimeSpan.FromSeconds(5));
        CallAs.Gateway();
        var replay = await game.GetEventsSinceAsync(Alice, 1);
        var status = await game.GetStatusAsync(Alice);
        queue.Release();

        Assert.Equal(1, ack.AppliedThrough);
        Assert.Null(ack.Rejected);
        Assert.Equal("Installing", status.State);
        var missed = Assert.Single(replay.Events!);
        Assert.Equal((2L, ContainerEventKind.StateChanged, "now Installing"), (missed.Sequence, missed.Kind, missed.Summary));
        Assert.Equal(2, replay.LastSequence);
    }

    /// <summary>Holds every call to a memory-stream queue grain from the moment it is stuck until released.</summary>
    private sealed class StuckQueue : IOutgoingGrainCallFilter
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _stuck;

        public Task Entered => _entered.Task;

        public void Stick() => _stuck = true;

        public void Release() => _release.TrySetResult();

        public async Task Invoke(IOutgoingGrainCallContext context)
        {
            if (_stuck && context.InterfaceName.Contains("MemoryStreamQueueGrain", StringComparison.Ordinal))
            {
                _entered.TrySetResult();
                await _release.Task;
            }

            await context.Invoke();
        }
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.Outbox;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.Outbox;

public sealed class AgentOutboxTests
{
    private static readonly Guid Instance = Guid.Parse("6f0e8c2a-1111-4a2b-9c3d-5e6f7a8b9c0d");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 3, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Publish_NumbersAndStampsEventsInOrder()
    {
        var outbox = Create(capacity: 10);

        outbox.Publish((s, at) => new GameStateChanged(s, at, GameServerState.Starting, null));
        _time.Advance(TimeSpan.FromSeconds(2));
        outbox.Publish((s, at) => new GameStateChanged(s, at, GameServerState.Running, null));

        var report = outbox.NextReport(Instance)!;
        Assert.Equal(Instance, report.InstanceId);
        Assert.Equal([1L, 2L], report.Events.Select(e => e.Sequence));
        Assert.Equal(_time.GetUtcNow(), report.Events[1].At);
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromSeconds(2), report.Events[0].At);
        Assert.Equal(0, report.DroppedEvents);
    }

    [Fact]
    public void Publish_TextOverTheSilosLimits_CutToFitReasonsKeepTheirStartTailsTheirEnd()
    {
        var outbox = Create(capacity: 10);
        var reason = "missing libssl.so.3" + new string('.', 10_000);
        var tail = new string('x', 20_000) + "Killed";
        var crash = new CrashRecord(Guid.NewGuid(), DateTimeOffset.UnixEpoch, 137, 9, TimeSpan.FromSeconds(3), CrashClassification.Oom, tail, 1, null, GaveUp: false);

        outbox.Publish((s, at) => new GameStateChanged(s, at, GameServerState.Error, reason));
        outbox.Publish((s, at) => new GameCrashed(s, at, crash));

        var events = outbox.NextReport(Instance)!.Events;
        var error = Assert.IsType<GameStateChanged>(events[0]).Reason!;
        Assert.Equal(AgentInputLimits.Reason, error.Length);
        Assert.StartsWith("missing libssl.so.3", error, StringComparison.Ordinal);
        Assert.EndsWith("…", error, StringComparison.Ordinal);
        var kept = Assert.IsType<GameCrashed>(events[1]).Crash.LogTail;
        Assert.Equal(AgentInputLimits.CrashLogTail, kept.Length);
        Assert.EndsWith("Killed", kept, StringComparison.Ordinal);
    }

    [Fact]
    public void Publish_BeyondCapacity_DropsOldestAndCountsThem()
    {
        var outbox = Create(capacity: 3);

        for (var i = 0; i < 5; i++)
        {
            outbox.Publish((s, at) => new GameStateChanged(s, at, GameServerState.Running, $"event {s}"));
        }

        var report = outbox.NextReport(Instance)!;
        Assert.Equal([3L, 4L, 5L], report.Events.Select(e => e.Sequence));
        Assert.Equal(2, report.DroppedEvents);
    }

    [Fact]
    public void Acknowledge_RemovesAppliedEventsAndReportedDrops()
    {
        var outbox = Create(capacity: 2);
        for (var i = 0; i < 4; i++)
        {
            outbox.Publish((s, at) => new GameStateChanged(s, at, GameServerState.Running, null));
        }

        var report = outbox.NextReport(Instance)!;
        outbox.Publish((s, at) => new GameStateChanged(s, at, GameServerState.Stopping, null));
        outbox.Acknowledge(report.Events[^1].Sequence, report.DroppedEvents);

        // The drop made while the report was in flight is still owed to the grain.
        var next = outbox.NextReport(Instance)!;
        Assert.Equal([5L], next.Events.Select(e => e.Sequence));
        Assert.Equal(1, next.DroppedEvents);
        outbox.Acknowledge(5, next.DroppedEvents);
        Assert.Null(outbox.NextReport(Instance));
    }

    [Fact]
    public void NextReport_MoreThanBatchSize_SendsOldestFirstInBatches()
    {
        var outbox = Create(capacity: 100, batchSize: 4);
        for (var i = 0; i < 10; i++)
        {
            outbox.Publish((s, at) => new GameStateChanged(s, at, GameServerState.Running, null));
        }

        var first = outbox.NextReport(Instance)!;
        outbox.Acknowledge(first.Events[^1].Sequence, 0);
        var second = outbox.NextReport(Instance)!;

        Assert.Equal([1L, 2L, 3L, 4L], first.Events.Select(e => e.Sequence));
        Assert.Equal([5L, 6L, 7L, 8L], second.Events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task WaitForEventsAsync_CompletesOnPublish()
    {
        var outbox = Create(capacity: 10);
        var wait = outbox.WaitForEventsAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);

        outbox.Publish((s, at) => new GameStateChanged(s, at, GameServerState.Running, null));

        await wait.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(outbox.WaitForEventsAsync(CancellationToken.None).IsCompleted);
    }

    private AgentOutbox Create(int capacity, int batchSize = 100) =>
        new(Options.Create(new OutboxOptions { Capacity = capacity, BatchSize = batchSize }), _time, NullLogger<AgentOutbox>.Instance);
}

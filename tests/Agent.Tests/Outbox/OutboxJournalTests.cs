using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using ZlhGrind.Agent.Outbox;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.Outbox;

/// <summary>Undelivered events survive an agent restart through the journal.</summary>
public sealed class OutboxJournalTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 3, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        _services.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void NewOutbox_UndeliveredEventsOfPreviousAgent_QueuedFirstAndRenumbered()
    {
        var crash = new CrashRecord(Guid.NewGuid(), _time.GetUtcNow(), 3, null, TimeSpan.FromSeconds(5), CrashClassification.NonzeroExit, "tail", 1, TimeSpan.FromSeconds(30), false);
        var before = Create();
        before.Publish((s, at) => new GameStateChanged(s, at, GameServerState.Starting, null));
        before.Publish((s, at) => new GameStateChanged(s, at, GameServerState.Running, null));
        before.Publish((s, at) => new GameCrashed(s, at, crash));
        before.Acknowledge(1, 0);

        _time.Advance(TimeSpan.FromMinutes(1));
        var after = Create();
        after.Publish((s, at) => new GameStateChanged(s, at, GameServerState.Crashed, "seen by the new agent"));
        var report = after.NextReport(Guid.NewGuid())!;

        Assert.Equal([1L, 2L, 3L], report.Events.Select(e => e.Sequence));
        Assert.Equal(GameServerState.Running, Assert.IsType<GameStateChanged>(report.Events[0]).State);
        Assert.Equal(crash, Assert.IsType<GameCrashed>(report.Events[1]).Crash);
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromMinutes(1), report.Events[1].At);
        Assert.Equal("seen by the new agent", Assert.IsType<GameStateChanged>(report.Events[2]).Reason);
    }

    [Fact]
    public void Acknowledge_Everything_LeavesNothingForTheNextAgent()
    {
        var outbox = Create();
        outbox.Publish((s, at) => new GameStateChanged(s, at, GameServerState.Starting, null));
        outbox.Acknowledge(1, 0);

        Assert.False(File.Exists(_dir.Combine("outbox.journal")));
        Assert.Null(Create().NextReport(Guid.NewGuid()));
    }

    [Fact]
    public void NewOutbox_TornLastLine_KeepsTheWholeOnes()
    {
        var outbox = Create();
        outbox.Publish((s, at) => new GameStateChanged(s, at, GameServerState.Starting, null));
        File.AppendAllText(_dir.Combine("outbox.journal"), "AAECAwQ");

        var report = Create().NextReport(Guid.NewGuid())!;

        Assert.Equal(GameServerState.Starting, Assert.IsType<GameStateChanged>(Assert.Single(report.Events)).State);
    }

    private AgentOutbox Create() => new(
        Options.Create(new OutboxOptions()),
        _time,
        NullLogger<AgentOutbox>.Instance,
        new OutboxJournal(_dir.Combine("outbox.journal"), _services.GetRequiredService<Serializer>()));
}

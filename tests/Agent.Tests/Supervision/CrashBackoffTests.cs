using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.Supervision;

/// <summary>DESIGN §5 backoff over real crashing processes, with the clock faked.</summary>
public sealed class CrashBackoffTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task PowerAsync_ServerCrashesAtOnce_Backoff30_60_120ThenErrorOnFourth()
    {
        await using var harness = new SupervisorHarness(_dir);
        var script = _dir.Script("crash.sh", "echo starting; echo \"run $$\" >> " + _dir.Combine("runs") + "; exit 1");
        var supervisor = await harness.StartedAsync(script);

        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        var expected = new[] { 30, 60, 120 };
        for (var i = 0; i < expected.Length; i++)
        {
            var crash = await harness.Events.CrashAsync(i + 1);
            Assert.Equal(1, crash.ExitCode);
            Assert.Null(crash.Signal);
            Assert.Equal(CrashClassification.NonzeroExit, crash.Classification);
            Assert.Equal(i + 1, crash.ConsecutiveCrashes);
            Assert.Equal(TimeSpan.FromSeconds(expected[i]), crash.RestartDelay);
            Assert.False(crash.GaveUp);
            Assert.Contains("starting", crash.LogTail, StringComparison.Ordinal);
            Assert.Equal(harness.Time.GetUtcNow() + crash.RestartDelay, supervisor.Observe().Observed.NextRestartAt);

            // One second short of the delay nothing happens; at the delay the restart begins.
            harness.Time.Advance(TimeSpan.FromSeconds(expected[i] - 1));
            Assert.Equal(GameServerState.Crashed, supervisor.State);
            Assert.Equal(i + 1, File.ReadAllLines(_dir.Combine("runs")).Length);
            harness.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.NotEqual(GameServerState.Crashed, supervisor.State);
        }

        var fourth = await harness.Events.CrashAsync(4);
        await harness.Events.StateAsync(GameServerState.Error);
        Assert.True(fourth.GaveUp);
        Assert.Equal(4, fourth.ConsecutiveCrashes);
        Assert.Null(fourth.RestartDelay);
        Assert.Equal(GameServerState.Error, supervisor.State);
        Assert.Null(supervisor.Observe().Observed.NextRestartAt);

        // Error means no more restarts, however long one waits.
        harness.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(GameServerState.Error, supervisor.State);
        Assert.Equal(4, File.ReadAllLines(_dir.Combine("runs")).Length);
        Assert.Equal(
            [GameServerState.Installing, GameServerState.Stopped,
             GameServerState.Starting, GameServerState.Running, GameServerState.Crashed,
             GameServerState.Starting, GameServerState.Running, GameServerState.Crashed,
             GameServerState.Starting, GameServerState.Running, GameServerState.Crashed,
             GameServerState.Starting, GameServerState.Running, GameServerState.Crashed, GameServerState.Error],
            harness.Events.States);
    }

    [Fact]
    public async Task PowerAsync_UserStartAfterError_ClearsCounter()
    {
        await using var harness = new SupervisorHarness(_dir, new() { MaxConsecutiveCrashes = 1 });
        var script = _dir.Script("crash.sh", "exit 4");
        var supervisor = await harness.StartedAsync(script);

        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await harness.Events.StateAsync(GameServerState.Error);
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        var second = await harness.Events.CrashAsync(2);

        Assert.Equal(1, second.ConsecutiveCrashes);
        Assert.True(second.GaveUp);
    }

    [Fact]
    public async Task PowerAsync_CrashAfterStableUptime_ResetsCounterToOne()
    {
        await using var harness = new SupervisorHarness(_dir);
        var marker = _dir.Combine("first-run-done");

        // The first run dies at once; later runs wait for a console line and then exit 2.
        var script = _dir.Script("flaky.sh", $"""
            if [ ! -e {marker} ]; then touch {marker}; echo early death; exit 1; fi
            echo ready
            while read line; do
              if [ "$line" = crash ]; then echo crashing now; exit 2; fi
            done
            """);
        var supervisor = await harness.StartedAsync(script);
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        var first = await harness.Events.CrashAsync(1);
        Assert.Equal(1, first.ConsecutiveCrashes);
        harness.Time.Advance(TimeSpan.FromSeconds(30));
        await harness.Events.StateAsync(GameServerState.Running, times: 2);
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("ready", StringComparison.Ordinal), Wait.Patience, "the second run is ready");

        // Exactly the stable uptime: the counter starts over.
        harness.Time.Advance(TimeSpan.FromSeconds(30));
        await supervisor.SendConsoleAsync("crash", CancellationToken.None);
        var second = await harness.Events.CrashAsync(2);

        Assert.Equal(TimeSpan.FromSeconds(30), second.Uptime);
        Assert.Equal(2, second.ExitCode);
        Assert.Equal(1, second.ConsecutiveCrashes);
        Assert.Equal(TimeSpan.FromSeconds(30), second.RestartDelay);
        Assert.EndsWith("crashing now", second.LogTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PowerAsync_CrashJustBeforeStableUptime_CountsAsConsecutive()
    {
        await using var harness = new SupervisorHarness(_dir);
        var script = _dir.Script("waits.sh", """
            echo ready
            while read line; do
              if [ "$line" = crash ]; then exit 3; fi
            done
            """);
        var supervisor = await harness.StartedAsync(script);
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("ready", StringComparison.Ordinal), Wait.Patience, "the first run is ready");
        await supervisor.SendConsoleAsync("crash", CancellationToken.None);
        await harness.Events.CrashAsync(1);

        harness.Time.Advance(TimeSpan.FromSeconds(30));
        await harness.Events.StateAsync(GameServerState.Running, times: 2);
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("ready", StringComparison.Ordinal), Wait.Patience, "the second run is ready");
        harness.Time.Advance(TimeSpan.FromSeconds(29));
        await supervisor.SendConsoleAsync("crash", CancellationToken.None);
        var second = await harness.Events.CrashAsync(2);

        Assert.Equal(2, second.ConsecutiveCrashes);
        Assert.Equal(TimeSpan.FromSeconds(60), second.RestartDelay);
    }
}

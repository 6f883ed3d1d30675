using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Agent.Tests.Supervision;

/// <summary>Graceful stop (console command, else SIGTERM, then SIGKILL after the timeout), kill bypassing the queue.</summary>
public sealed class GracefulStopTests : IDisposable
{
    private const string Honours = """
        echo "Done (0.5s)! For help, type \"help\""
        while read line; do
          echo "> $line"
          if [ "$line" = stop ]; then echo "Stopping the server"; echo "Saving worlds"; exit 0; fi
        done
        """;

    private const string Ignores = """
        trap 'echo "ignoring SIGTERM"' TERM
        echo "Done (0.5s)! For help, type \"help\""
        while true; do
          if read line; then echo "ignored: $line"; fi
        done
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task PowerAsync_StopHonouredOnConsole_StopsCleanlyWithoutCrash()
    {
        await using var harness = new SupervisorHarness(_dir);
        var supervisor = await harness.StartedAsync(_dir.Script("server.sh", Honours), stopCommand: "stop");
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        await supervisor.PowerAsync(PowerAction.Stop, CancellationToken.None);

        Assert.Equal(GameServerState.Stopped, supervisor.State);
        Assert.Empty(harness.Events.Crashes);
        Assert.Null(supervisor.Observe().Pid);
        Assert.EndsWith("> stop\nStopping the server\nSaving worlds", supervisor.ReadLogTail(), StringComparison.Ordinal);
        var stopped = harness.Events.All.OfType<GameStateChanged>().Last();
        Assert.Equal(GameServerState.Stopped, stopped.State);
        Assert.Contains("exit code 0", stopped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PowerAsync_NoStopCommand_SendsSigtermAndStops()
    {
        await using var harness = new SupervisorHarness(_dir);
        var script = _dir.Script("server.sh", """
            trap 'echo "got SIGTERM, saving"; exit 143' TERM
            echo ready
            while true; do sleep 0.05; done
            """);
        var supervisor = await harness.StartedAsync(script, stopCommand: null);
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("ready", StringComparison.Ordinal), Wait.Patience, "the server is ready");

        await supervisor.PowerAsync(PowerAction.Stop, CancellationToken.None);

        Assert.Equal(GameServerState.Stopped, supervisor.State);
        Assert.Empty(harness.Events.Crashes);
        Assert.Contains("got SIGTERM, saving", supervisor.ReadLogTail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PowerAsync_StopIgnored_KilledAfterTimeoutWithoutCrash()
    {
        await using var harness = new SupervisorHarness(_dir, new() { StopTimeout = TimeSpan.FromSeconds(45) });
        var supervisor = await harness.StartedAsync(_dir.Script("server.sh", Ignores), stopCommand: "stop");
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        var pid = supervisor.Observe().Pid;

        var stop = supervisor.PowerAsync(PowerAction.Stop, CancellationToken.None);
        await harness.Events.StateAsync(GameServerState.Stopping);
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("ignored: stop", StringComparison.Ordinal), Wait.Patience, "the server read and ignored stop");

        // Still there one second before the timeout, gone at the timeout.
        harness.Time.Advance(TimeSpan.FromSeconds(44));
        Assert.False(stop.IsCompleted);
        Assert.Equal(GameServerState.Stopping, supervisor.State);
        Assert.Equal(pid, supervisor.Observe().Pid);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await stop;

        Assert.Equal(GameServerState.Stopped, supervisor.State);
        Assert.Empty(harness.Events.Crashes);
        var stopped = harness.Events.All.OfType<GameStateChanged>().Last();
        Assert.Equal("stop command ignored for 45 s; ended by SIGKILL (signal 9)", stopped.Reason);
        Assert.Equal(new StopReport(harness.Time.GetUtcNow(), Forced: true, stopped.Reason!), stopped.Stop);
        Assert.Equal(stopped.Stop, supervisor.Observe().Observed.LastStop);
    }

    [Fact]
    public async Task PowerAsync_TemplateStopBothStepsIgnored_ForcedAfterCommandThenSignalWithTheReason()
    {
        await using var harness = new SupervisorHarness(_dir);
        // Like the game of the issue: it never reads its console, and it ignores SIGTERM.
        var script = _dir.Script("server.sh", """
            trap 'echo "ignoring SIGTERM"' TERM
            echo "Done (0.5s)! For help, type \"help\""
            while true; do sleep 0.05; done
            """);
        var supervisor = harness.Create();
        supervisor.Configure(ReadinessTests.Templated("sh " + script, [], null, null, stop: new StopMethod("save-and-quit", 15, TimeSpan.FromSeconds(30))));
        await supervisor.StartAsync();
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        // Stop only once the shell has set its trap (it prints the line after): a SIGTERM before that ends it.
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("Done (", StringComparison.Ordinal), Wait.Patience, "the server is up with its trap set");
        var stoppingAt = harness.Time.GetUtcNow();

        var stop = supervisor.PowerAsync(PowerAction.Stop, CancellationToken.None);
        await harness.Events.StateAsync(GameServerState.Stopping);
        harness.Time.Advance(TimeSpan.FromSeconds(30));
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("ignoring SIGTERM", StringComparison.Ordinal), Wait.Patience, "SIGTERM followed the ignored command");
        harness.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(stop.IsCompleted);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await stop;

        var stopped = harness.Events.All.OfType<GameStateChanged>().Last();
        Assert.Equal(GameServerState.Stopped, stopped.State);
        Assert.Equal(new StopReport(stoppingAt.AddSeconds(60), Forced: true, "stop command and SIGTERM ignored for 60 s; ended by SIGKILL (signal 9)"), stopped.Stop);
        Assert.Empty(harness.Events.Crashes);
    }

    [Fact]
    public async Task PowerAsync_StopHonoured_ReportedAsNotForced()
    {
        await using var harness = new SupervisorHarness(_dir);
        var supervisor = await harness.StartedAsync(_dir.Script("server.sh", Honours), stopCommand: "stop");
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        await supervisor.PowerAsync(PowerAction.Stop, CancellationToken.None);

        var stopped = harness.Events.All.OfType<GameStateChanged>().Last();
        Assert.Equal(new StopReport(harness.Time.GetUtcNow(), Forced: false, "stopped on request (exit code 0)"), stopped.Stop);
    }

    [Fact]
    public async Task PowerAsync_KillWhileStopWaits_BypassesQueueAndStops()
    {
        await using var harness = new SupervisorHarness(_dir);
        var supervisor = await harness.StartedAsync(_dir.Script("server.sh", Ignores), stopCommand: "stop");
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        var stop = supervisor.PowerAsync(PowerAction.Stop, CancellationToken.None);
        var startAfterStop = supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await harness.Events.StateAsync(GameServerState.Stopping);

        // The stop holds the queue (its timeout never passes on the fake clock); kill does not wait for it.
        await supervisor.PowerAsync(PowerAction.Kill, CancellationToken.None);
        await stop;
        await startAfterStop;

        Assert.Empty(harness.Events.Crashes);
        Assert.Equal(
            [GameServerState.Installing, GameServerState.Stopped, GameServerState.Starting, GameServerState.Running,
             GameServerState.Stopping, GameServerState.Stopped, GameServerState.Starting, GameServerState.Running],
            harness.Events.States);
        await supervisor.PowerAsync(PowerAction.Kill, CancellationToken.None);
    }

    [Fact]
    public async Task PowerAsync_StopWhileWaitingForRestart_CancelsTheRestart()
    {
        await using var harness = new SupervisorHarness(_dir);
        var supervisor = await harness.StartedAsync(_dir.Script("crash.sh", "exit 1"));
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await harness.Events.CrashAsync(1);

        await supervisor.PowerAsync(PowerAction.Stop, CancellationToken.None);
        harness.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(GameServerState.Stopped, supervisor.State);
        Assert.Single(harness.Events.Crashes);
        Assert.Null(supervisor.Observe().Observed.NextRestartAt);
    }

    [Fact]
    public async Task Exit_CodeZeroNobodyAskedFor_IsAStopNotACrash()
    {
        await using var harness = new SupervisorHarness(_dir);
        var supervisor = await harness.StartedAsync(_dir.Script("server.sh", "echo bye; exit 0"));
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        await harness.Events.StateAsync(GameServerState.Stopped, times: 2);

        Assert.Empty(harness.Events.Crashes);
        Assert.Equal(GameServerState.Stopped, supervisor.State);
    }
}

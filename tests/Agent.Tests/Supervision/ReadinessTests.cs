using System.Net;
using System.Net.Sockets;
using ZlhGrind.Agent.Supervision;
using ZlhGrind.Agent.Tests.EndToEnd;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Templates;
using ZlhGrind.Testing;

namespace ZlhGrind.Agent.Tests.Supervision;

/// <summary>Running means ready: the template's console pattern and/or TCP port, within its start timeout, on real processes.</summary>
public sealed class ReadinessTests : IDisposable
{
    private const string MinecraftDone = @"Done \([^)]*\)! For help";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Start_SlowToGetReady_StartingUntilThePatternThenRunningWithReadyAt()
    {
        await using var harness = Harness();
        var supervisor = await StartedAsync(harness, StandIn("on-go", MinecraftDone, readyPort: null));
        var started = harness.Time.GetUtcNow();

        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("waiting for go", StringComparison.Ordinal), Wait.Patience, "the server is loading");
        harness.Time.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal(GameServerState.Starting, supervisor.State);
        Assert.Null(supervisor.Observe().Observed.ReadyAt);
        await supervisor.SendConsoleAsync("go", CancellationToken.None);
        await harness.Events.StateAsync(GameServerState.Running);

        var running = harness.Events.All.OfType<GameStateChanged>().Last();
        Assert.Equal(started.AddSeconds(20), running.ReadyAt);
        Assert.Equal(@"ready: console matched Done \([^)]*\)! For help", running.Reason);
        Assert.Equal(started.AddSeconds(20), supervisor.Observe().Observed.ReadyAt);
        Assert.Equal([GameServerState.Installing, GameServerState.Stopped, GameServerState.Starting, GameServerState.Running], harness.Events.States);
        await supervisor.PowerAsync(PowerAction.Kill, CancellationToken.None);
    }

    [Fact]
    public async Task Start_AgainAfterAReadyRun_TheEarlierRunsReadyLineInTheSharedLogDoesNotCount()
    {
        await using var harness = Harness();
        var supervisor = await StartedAsync(harness, StandIn("on-go", MinecraftDone, readyPort: null));
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("waiting for go", StringComparison.Ordinal), Wait.Patience, "the first run is loading");
        await supervisor.SendConsoleAsync("go", CancellationToken.None);
        await harness.Events.StateAsync(GameServerState.Running);
        await supervisor.PowerAsync(PowerAction.Stop, CancellationToken.None);
        await harness.Events.StateAsync(GameServerState.Stopped, times: 2);

        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("waiting for go", StringComparison.Ordinal), Wait.Patience, "the second run is loading");
        harness.Time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(GameServerState.Starting, supervisor.State);
        Assert.DoesNotContain("Done (", supervisor.ReadLogTail(), StringComparison.Ordinal);
        Assert.Contains("Done (", File.ReadAllText(harness.Run.ConsoleLog), StringComparison.Ordinal);
        await supervisor.SendConsoleAsync("go", CancellationToken.None);
        await harness.Events.StateAsync(GameServerState.Running, times: 2);
        await supervisor.PowerAsync(PowerAction.Kill, CancellationToken.None);
    }

    [Fact]
    public async Task Start_NeverReady_KilledAtTheStartTimeoutAsStartTimeoutCrashWithBackoff()
    {
        await using var harness = Harness();
        var supervisor = await StartedAsync(harness, StandIn("never", MinecraftDone, readyPort: null));

        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("Loading mods forever", StringComparison.Ordinal), Wait.Patience, "the server is loading");
        var pid = supervisor.Observe().Pid;
        harness.Time.Advance(StartTimeout - TimeSpan.FromSeconds(1));
        Assert.Equal(GameServerState.Starting, supervisor.State);
        Assert.Equal(pid, supervisor.Observe().Pid);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var first = await harness.Events.CrashAsync(1);

        Assert.Equal(CrashClassification.StartTimeout, first.Classification);
        Assert.Equal((int?)null, first.ExitCode);
        Assert.Equal(9, first.Signal);
        Assert.Equal(StartTimeout, first.Uptime);
        Assert.Equal((1, TimeSpan.FromSeconds(30), false), (first.ConsecutiveCrashes, first.RestartDelay, first.GaveUp));
        Assert.Contains("Loading mods forever", first.LogTail, StringComparison.Ordinal);
        Assert.Equal(GameServerState.Crashed, supervisor.State);

        // The restart after the backoff is not ready either; a minute without getting ready is no stable run.
        harness.Time.Advance(TimeSpan.FromSeconds(30));
        await Wait.UntilAsync(() => supervisor.Observe().Pid is { } next && next != pid, Wait.Patience, "the server is started again");
        harness.Time.Advance(StartTimeout);
        var second = await harness.Events.CrashAsync(2);

        Assert.Equal(CrashClassification.StartTimeout, second.Classification);
        Assert.Equal((2, TimeSpan.FromSeconds(60), false), (second.ConsecutiveCrashes, second.RestartDelay, second.GaveUp));
        var crashed = harness.Events.All.OfType<GameStateChanged>().Last(e => e.State == GameServerState.Crashed);
        Assert.Equal("signal 9, start_timeout: not ready within the template's start timeout, stopped; restart in 60 s", crashed.Reason);
        await supervisor.PowerAsync(PowerAction.Stop, CancellationToken.None);
    }

    [Fact]
    public async Task Start_ReadyThenCrashes_RunningThenACrashClassifiedByItsLog()
    {
        await using var harness = Harness();
        var supervisor = await StartedAsync(harness, StandIn("now", MinecraftDone, readyPort: null));

        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await harness.Events.StateAsync(GameServerState.Running);
        await supervisor.SendConsoleAsync("crash oom", CancellationToken.None);
        var crash = await harness.Events.CrashAsync(1);

        Assert.Equal(CrashClassification.Oom, crash.Classification);
        Assert.Equal(1, crash.ExitCode);
        Assert.Equal(
            [GameServerState.Installing, GameServerState.Stopped, GameServerState.Starting, GameServerState.Running, GameServerState.Crashed],
            harness.Events.States);
        Assert.Null(supervisor.Observe().Observed.ReadyAt);
        await supervisor.PowerAsync(PowerAction.Stop, CancellationToken.None);
    }

    [Fact]
    public async Task Start_PortProbe_RunningOnlyOnceThePortAcceptsConnections()
    {
        await using var harness = Harness();
        var port = FreePorts.Next();
        var script = _dir.Script("server.sh", "echo listening soon; while read line; do :; done");
        var supervisor = await StartedAsync(harness, Templated("sh " + script, [], readyPattern: null, readyPort: port));

        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("listening soon", StringComparison.Ordinal), Wait.Patience, "the server started");
        Assert.Equal(GameServerState.Starting, supervisor.State);

        // The "server" binds its port: the test listens for it (a real socket on loopback).
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        await harness.Events.StateAsync(GameServerState.Running);

        Assert.Equal($"ready: port {port} accepts connections", harness.Events.All.OfType<GameStateChanged>().Last().Reason);
        await supervisor.PowerAsync(PowerAction.Kill, CancellationToken.None);
    }

    [Fact]
    public async Task Start_ArgvWithHostileValues_EachValueIsOneArgumentAndNoShellRuns()
    {
        await using var harness = Harness();
        var script = _dir.Script("args.sh", """for a in "$@"; do echo "arg=[$a]"; done; exit 0""");
        var argv = new[] { "sh", script, "{{serverDir}}", "a'b; touch pwned", "$(touch pwned2)", "`touch pwned3`" };
        var supervisor = await StartedAsync(harness, Templated("", argv, readyPattern: null, readyPort: null));

        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await harness.Events.StateAsync(GameServerState.Stopped, times: 2);

        Assert.Equal(
            $"arg=[{_dir.Combine("server")}]\narg=[a'b; touch pwned]\narg=[$(touch pwned2)]\narg=[`touch pwned3`]",
            supervisor.ReadLogTail());
        Assert.Empty(Directory.GetFiles(_dir.Combine("server")));
    }

    [Fact]
    public async Task Crash_TemplateRuleMatches_TriedBeforeTheBuiltInRules()
    {
        await using var harness = Harness();
        var script = _dir.Script("server.sh", """
            echo "[Server] **** FAILED TO BIND TO PORT!"
            echo 'java.lang.OutOfMemoryError: not really' >&2
            exit 1
            """);
        var supervisor = await StartedAsync(harness, Templated("sh " + script, [], null, null, [new("FAILED TO BIND TO PORT", CrashClassification.MissingDependency)]));

        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        var crash = await harness.Events.CrashAsync(1);

        Assert.Equal(CrashClassification.MissingDependency, crash.Classification);
        Assert.True(crash.GaveUp);
    }

    private SupervisorHarness Harness() => new(_dir, new SupervisionOptions { ReadinessPollInterval = TimeSpan.FromMilliseconds(20) });

    private static async Task<GameSupervisor> StartedAsync(SupervisorHarness harness, GameServerSpec spec)
    {
        var supervisor = harness.Create();
        supervisor.Configure(spec);
        await supervisor.StartAsync();
        return supervisor;
    }

    private static GameServerSpec StandIn(string ready, string? readyPattern, int? readyPort) =>
        Templated($"env ZLH_STANDIN_READY={ready} sh {RepoPaths.StandInServer}", [], readyPattern, readyPort);

    internal static GameServerSpec Templated(
        string startCommand, IReadOnlyList<string> argv, string? readyPattern, int? readyPort, IReadOnlyList<TemplateCrashRule>? rules = null, StopMethod? stop = null) =>
        new("test", startCommand, null, 512, null, new GameLaunch(
            "1", argv, readyPort, stop ?? new StopMethod("stop", 15, TimeSpan.FromSeconds(30)), readyPattern, readyPort, StartTimeout, rules ?? [], null, [], null));
}

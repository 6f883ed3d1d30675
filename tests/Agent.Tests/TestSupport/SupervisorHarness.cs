using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.Limits;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Supervision;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Testing;

namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>A real <see cref="GameSupervisor"/> over real processes in a temp directory, on a fake clock.</summary>
internal sealed class SupervisorHarness : IAsyncDisposable
{
    private readonly List<GameSupervisor> _supervisors = [];

    public SupervisorHarness(TempDirectory root, SupervisionOptions? options = null, ConsoleLogLimit? logLimit = null, ServerLimits? limits = null)
    {
        Limits = limits;
        LogLimit = logLimit;
        Root = root;
        Options = options ?? new SupervisionOptions();
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 3, 0, 0, TimeSpan.Zero));
        Events = new RecordingEvents(Time);
    }

    public TempDirectory Root { get; }

    public ServerLimits? Limits { get; }

    public ConsoleLogLimit? LogLimit { get; }

    public SupervisionOptions Options { get; }

    public FakeTimeProvider Time { get; }

    public RecordingEvents Events { get; private set; }

    public RunDirectory Run => new(Root.Combine("run"));

    /// <summary>A supervisor over this harness's directories; a second one plays the restarted agent.</summary>
    public GameSupervisor Create(RecordingEvents? events = null)
    {
        if (events is not null)
        {
            Events = events;
        }

        // The shim's pid line is a fork, an exec, a mkfifo and a fork away: on a loaded 2-core machine (load 30+) that took
        // longer than the 10 s bound this had, and the start failed as "could not launch".
        var launcher = new ServerLauncher(Run, exitPollInterval: TimeSpan.FromMilliseconds(50), launchTimeout: Wait.Patience, LogLimit);
        var settings = new GameSupervisorSettings(Root.Combine("server"), Root.Combine("state", "supervision.json"), new Dictionary<string, string>());
        var supervisor = new GameSupervisor(launcher, settings, Options, Events, Time, NullLogger<GameSupervisor>.Instance, Limits);
        _supervisors.Add(supervisor);
        return supervisor;
    }

    /// <summary>A started supervisor configured to run <paramref name="script"/>.</summary>
    public async Task<GameSupervisor> StartedAsync(string script, string? stopCommand = null)
    {
        var supervisor = Create();
        supervisor.Configure(Spec(script, stopCommand));
        await supervisor.StartAsync();
        return supervisor;
    }

    public static GameServerSpec Spec(string script, string? stopCommand = null, int memoryMb = 512, int? cpuPercent = null) =>
        new("test", "sh " + script, stopCommand, memoryMb, CpuPercent: cpuPercent);

    public async ValueTask DisposeAsync()
    {
        foreach (var supervisor in _supervisors)
        {
            await supervisor.DisposeAsync();
        }

        // End what the tests started and left running, by pid.
        if (LaunchRecord.TryLoad(Run.LaunchFile) is { } launch)
        {
            Signals.Send(launch.Server, Signals.Kill);
        }
    }
}

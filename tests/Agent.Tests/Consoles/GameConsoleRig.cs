using Microsoft.Extensions.Logging.Abstractions;
using ZlhGrind.Agent.Consoles;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.Consoles;

/// <summary>What the console tests share: a throwaway run directory and game consoles over it (tailed only when a test pumps).</summary>
internal sealed class GameConsoleRig : IDisposable
{
    private readonly TempDirectory _dir = new();

    public GameConsoleRig()
    {
        Run = new RunDirectory(_dir.Path);
    }

    public RunDirectory Run { get; }

    /// <summary>The server's state as the console sees it (the supervisor's in the agent).</summary>
    public GameServerState ServerState { get; set; } = GameServerState.Running;

    /// <summary>A console over <see cref="Run"/> whose tail never polls by itself: tests call <see cref="GameConsole.Pump"/>.</summary>
    public GameConsole Open() => new(Run, () => ServerState, TimeSpan.FromHours(1), NullLogger.Instance);

    public void Dispose() => _dir.Dispose();
}

using Microsoft.Extensions.Logging;
using ZlhGrind.Agent.Crashes;
using ZlhGrind.Agent.Limits;
using ZlhGrind.Agent.Outbox;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Templates;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Supervision;

/// <summary>
/// Keeps one game server alive: a closed set of states changed only through <see cref="SetState"/>
/// (which reports a change, never a repeat), start/stop/restart serialized behind one <see cref="PowerLock"/>
/// with kill bypassing it, crashes handled by <see cref="RestartPolicy"/> and <see cref="RestartScheduler"/>,
/// and reattachment to a server a previous agent started. Split by concern like Wings' server package:
/// power (<c>.Power</c>), launch (<c>.Launch</c>), exit → crash record (<c>.Crash</c>), backoff restarts
/// (<c>.Restart</c>) and persisted state (<c>.State</c>).
/// </summary>
/// <remarks>
/// The locking rule (the same in <c>CodeServerSupervisor</c>): every mutable field is read and written under
/// <c>_gate</c>, never across an await; a power action takes <c>_power</c> first; kill takes only <c>_gate</c>.
/// </remarks>
internal sealed partial class GameSupervisor : IAsyncDisposable
{
    private readonly ServerLauncher _launcher;
    private readonly GameSupervisorSettings _settings;
    private readonly SupervisionOptions _options;
    private readonly IAgentEvents _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RestartPolicy _policy;
    private readonly RestartScheduler _restarts;
    private readonly ServerLimits _limits;
    private readonly PowerLock _power = new();
    private readonly Lock _gate = new();
    // A fresh container starts where the grain does; StartAsync moves it on to Stopped.
    private GameServerState _state = GameServerState.Provisioning;
    private string? _reason;
    private ServerProcess? _server;
    private Task _watch = Task.CompletedTask;
    private Task _readiness = Task.CompletedTask;
    private GameServerSpec? _spec;
    // The desired generation _spec came with, and the one the current run was launched with (what the status compares
    // to say an update waits for the next start).
    private long _specGeneration;
    private long? _runGeneration;
    // The current run's plan, when it became ready, and whether its end is a start timeout or a forced stop.
    private LaunchPlan? _plan;
    private DateTimeOffset? _readyAt;
    private Guid? _startTimedOut;
    private string? _stopForced;
    private StopReport? _lastStop;
    private bool _detached;
    private bool _resumeOnStart;
    private bool _retired;

    public GameSupervisor(
        ServerLauncher launcher,
        GameSupervisorSettings settings,
        SupervisionOptions options,
        IAgentEvents events,
        TimeProvider time,
        ILogger<GameSupervisor> logger,
        ServerLimits? limits = null)
    {
        _launcher = launcher;
        _settings = settings;
        _options = options;
        _events = events;
        _time = time;
        _logger = logger;
        _limits = limits ?? new NoLimits();
        _policy = new RestartPolicy(options, time);
        _restarts = new RestartScheduler(time, RestartAfterBackoffAsync);
    }

    /// <summary>How this server's memory and CPU limits are enforced.</summary>
    public LimitsEnforcement Enforcement => _limits.Enforcement;

    /// <summary>Removes the server's limit group (the container is deleted, the server stopped).</summary>
    public void RemoveLimits() => _limits.Remove();

    public GameServerState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>The facts for a heartbeat.</summary>
    public (int? Pid, TimeSpan Uptime, GameObserved Observed) Observe()
    {
        lock (_gate)
        {
            var server = _server;
            var uptime = server is null ? TimeSpan.Zero : Max(TimeSpan.Zero, _time.GetUtcNow() - server.StartedAt);
            var readyAt = _state == GameServerState.Running ? _readyAt : null;
            var runGeneration = server is null ? null : _runGeneration;
            return (server?.Server.Pid, uptime, new GameObserved(_state, _policy.ConsecutiveCrashes, _restarts.RestartAt, readyAt, _lastStop, _limits.Enforcement, runGeneration));
        }
    }

    /// <summary>The spec the next start uses, and the desired generation it came with; a running server keeps its own until then.</summary>
    public void Configure(GameServerSpec spec, long generation = 0)
    {
        lock (_gate)
        {
            _spec = spec;
            _specGeneration = generation;
            Persist();
        }
    }

    /// <summary>Writes a command to the server's console.</summary>
    public Task SendConsoleAsync(string line, CancellationToken cancellationToken)
    {
        ServerProcess? server;
        lock (_gate)
        {
            server = _server;
        }

        return server is null
            ? throw new InvalidOperationException("The game server is not running.")
            : server.SendConsoleLineAsync(line, cancellationToken);
    }

    /// <summary>The current run's last console lines (same limits as a crash record); the log's last lines when none runs.</summary>
    public string ReadLogTail()
    {
        ServerProcess? server;
        lock (_gate)
        {
            server = _server;
        }

        return LogTail.Read(_launcher.Run.ConsoleLog, _options.LogTailLines, _options.LogTailBytes, server?.ConsoleStart ?? 0);
    }

    /// <summary>Stops supervising (agent shutdown) and leaves the server running for the next agent.</summary>
    public async ValueTask DisposeAsync()
    {
        Task watch;
        Task readiness;
        lock (_gate)
        {
            if (_detached)
            {
                return;
            }

            _detached = true;
            _restarts.Disarm(keepDeadline: true);
            _server?.Dispose();
            watch = _watch;
            readiness = _readiness;
            Persist();
        }

        await watch;
        await readiness;
    }

    /// <summary>The one way to change state: reports a change, never a repeat. Call under the gate.</summary>
    private void SetState(GameServerState state, string? reason, DateTimeOffset? readyAt = null, StopReport? stop = null)
    {
        if (state == _state)
        {
            return;
        }

        SupervisorLog.StateChanged(_logger, _state, state, reason);
        _state = state;
        _reason = reason;
        _events.Publish((sequence, at) => new GameStateChanged(sequence, at, state, reason, readyAt, stop));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

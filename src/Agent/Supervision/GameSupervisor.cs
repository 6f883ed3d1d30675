using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ZlhGrind.Agent.Crashes;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Workloads;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Supervision;

/// <summary>
/// Keeps one game server alive: a closed set of states changed only through <see cref="SetState"/>
/// (which reports a change, never a repeat), start/stop/restart serialized behind one lock with kill
/// bypassing it, crash handling by <see cref="RestartPolicy"/>, and reattachment to a server a previous
/// agent started.
/// </summary>
internal sealed class GameSupervisor : IAsyncDisposable
{
    private readonly ServerLauncher _launcher;
    private readonly GameSupervisorSettings _settings;
    private readonly SupervisionOptions _options;
    private readonly IAgentEvents _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RestartPolicy _policy;
    private readonly RestartScheduler _restarts;
    private readonly SemaphoreSlim _power = new(1, 1);
    private readonly Lock _gate = new();
    // A fresh container starts where the grain does; StartAsync moves it on to Stopped.
    private GameServerState _state = GameServerState.Provisioning;
    private string? _reason;
    private ServerProcess? _server;
    private Task _watch = Task.CompletedTask;
    private GameServerSpec? _spec;
    private bool _detached;
    private bool _resumeOnStart;

    public GameSupervisor(
        ServerLauncher launcher,
        GameSupervisorSettings settings,
        SupervisionOptions options,
        IAgentEvents events,
        TimeProvider time,
        ILogger<GameSupervisor> logger)
    {
        _launcher = launcher;
        _settings = settings;
        _options = options;
        _events = events;
        _time = time;
        _logger = logger;
        _policy = new RestartPolicy(options, time);
        _restarts = new RestartScheduler(time, RestartAfterBackoffAsync);
    }

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
            return (server?.Server.Pid, uptime, new GameObserved(_state, _policy.ConsecutiveCrashes, _restarts.RestartAt));
        }
    }

    /// <summary>The spec the next start uses.</summary>
    public void Configure(GameServerSpec spec)
    {
        lock (_gate)
        {
            _spec = spec;
            Persist();
        }
    }

    /// <summary>Restores what a previous agent left: its state, crash counter and pending restart, and reattaches to a live server.</summary>
    public async Task StartAsync()
    {
        var resume = false;
        lock (_gate)
        {
            if (SupervisionState.TryLoad(_settings.StateFile) is { } saved)
            {
                _state = saved.State;
                _reason = saved.Reason;
                _spec ??= saved.Spec;
                _policy.Restore(saved.ConsecutiveCrashes);
                _restarts.Restore(saved.RestartAt);
                resume = saved.ResumeOnStart;
            }

            if (_launcher.FindPreviousLaunch() is { } launch)
            {
                var server = _launcher.Reattach(launch);
                var alive = launch.Shim.IsAlive();
                if (alive)
                {
                    SupervisorLog.Reattached(_logger, launch.Server.Pid, launch.StartedAt);
                }
                else
                {
                    SupervisorLog.EndedWhileAway(_logger, launch.Server.Pid, launch.StartedAt);
                }

                Adopt(server);
                if (alive)
                {
                    SetState(launch.StopRequested ? GameServerState.Stopping : GameServerState.Running, "reattached after agent restart");
                }
            }
            else if (_state == GameServerState.Crashed && _restarts.RestartAt is { } restartAt)
            {
                _restarts.Arm(Max(TimeSpan.Zero, restartAt - _time.GetUtcNow()));
            }
            else if (_state is GameServerState.Running or GameServerState.Starting or GameServerState.Stopping)
            {
                // Said running but left no launch record: nothing can be watched, so say what is true.
                SetState(GameServerState.Stopping, "no server found after agent restart");
                SetState(GameServerState.Stopped, "no server found after agent restart");
            }
            else if (_state is GameServerState.Provisioning or GameServerState.Installing)
            {
                Install();
            }

            resume &= _server is null && _state == GameServerState.Stopped;
            Persist();
        }

        if (resume)
        {
            // The previous agent stopped the server only because it was itself stopping: bring it back.
            await _power.WaitAsync();
            try
            {
                await StartServerAsync(userRequested: false, CancellationToken.None, "resumed after agent restart");
            }
            finally
            {
                _power.Release();
            }
        }
    }

    /// <summary>
    /// Agent shutdown with <c>StopServerOnAgentStop</c>: stops the server gracefully (not a crash) and
    /// remembers to start it again when the next agent starts.
    /// </summary>
    public async Task StopForAgentShutdownAsync(CancellationToken cancellationToken)
    {
        await _power.WaitAsync(cancellationToken);
        try
        {
            bool running;
            lock (_gate)
            {
                running = _server is not null;
            }

            if (!running)
            {
                return;
            }

            await StopServerAsync();
            lock (_gate)
            {
                _resumeOnStart = _state == GameServerState.Stopped;
                Persist();
            }
        }
        finally
        {
            _power.Release();
        }
    }

    /// <summary>Runs a power action. Start, stop and restart wait their turn; kill goes at once.</summary>
    public async Task PowerAsync(PowerAction action, CancellationToken cancellationToken)
    {
        if (action == PowerAction.Kill)
        {
            await KillAsync();
            return;
        }

        await _power.WaitAsync(cancellationToken);
        try
        {
            switch (action)
            {
                case PowerAction.Start:
                    await StartServerAsync(userRequested: true, cancellationToken);
                    break;
                case PowerAction.Stop:
                    await StopServerAsync();
                    break;
                case PowerAction.Restart:
                    await StopServerAsync();
                    await StartServerAsync(userRequested: true, cancellationToken);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown power action.");
            }
        }
        finally
        {
            _power.Release();
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

    /// <summary>The current run's last console lines (same limits as a crash record).</summary>
    public string ReadLogTail() => LogTail.Read(_launcher.Run.ConsoleLog, _options.LogTailLines, _options.LogTailBytes);

    /// <summary>Stops supervising (agent shutdown) and leaves the server running for the next agent.</summary>
    public async ValueTask DisposeAsync()
    {
        Task watch;
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
            Persist();
        }

        await watch;
    }

    private async Task StartServerAsync(bool userRequested, CancellationToken cancellationToken, string? reason = null)
    {
        GameServerSpec? spec;
        lock (_gate)
        {
            if (_server is not null)
            {
                SupervisorLog.AlreadyRunning(_logger, _server.Server.Pid);
                return;
            }

            if (userRequested)
            {
                // A user start is the way out of Error and clears the crash history.
                _policy.Reset();
                _restarts.Disarm(keepDeadline: false);
            }

            spec = _spec;
            if (spec is null)
            {
                SetState(GameServerState.Starting, "start requested");
                SetState(GameServerState.Error, "no game server spec received yet");
                Persist();
                return;
            }

            SetState(GameServerState.Starting, reason ?? (userRequested ? "start requested" : "restart after crash"));
            Persist();
        }

        ServerProcess server;
        try
        {
            server = await _launcher.LaunchAsync(spec.StartCommand, _settings.ServerDirectory, _settings.Environment, _time.GetUtcNow(), cancellationToken);
        }
        catch (Exception ex) when (ex is ServerLaunchException or IOException or UnauthorizedAccessException or Win32Exception or TimeoutException)
        {
            SupervisorLog.LaunchFailed(_logger, ex);
            lock (_gate)
            {
                SetState(GameServerState.Error, "could not launch: " + ex.Message);
                Persist();
            }

            return;
        }

        lock (_gate)
        {
            Adopt(server);
            SetState(GameServerState.Running, null);
            Persist();
        }

        SupervisorLog.Started(_logger, server.Server.Pid, spec.StartCommand);
    }

    private async Task StopServerAsync()
    {
        ServerProcess? server;
        Task watch;
        lock (_gate)
        {
            server = _server;
            watch = _watch;
            if (server is null)
            {
                _restarts.Disarm(keepDeadline: false);
                if (_state is GameServerState.Crashed or GameServerState.Error)
                {
                    SetState(GameServerState.Stopped, "stop requested");
                    Persist();
                }

                return;
            }

            server.MarkStopRequested();
        }

        // The timeout exists before anyone can see Stopping, so a test (or a fake clock) that reacts
        // to Stopping never advances time before the timer is set.
        using var timeout = new CancellationTokenSource(_options.StopTimeout, _time);
        lock (_gate)
        {
            SetState(GameServerState.Stopping, "stop requested");
            Persist();
        }

        await AskToStopAsync(server);
        try
        {
            await server.Exited.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            SupervisorLog.StopTimedOut(_logger, server.Server.Pid, _options.StopTimeout);
            server.Signal(Signals.Kill);
        }

        await WaitForExitHandledAsync(server, watch);
    }

    private async Task AskToStopAsync(ServerProcess server)
    {
        var command = _spec?.StopCommand;
        if (!string.IsNullOrWhiteSpace(command))
        {
            try
            {
                await server.SendConsoleLineAsync(command, CancellationToken.None);
                SupervisorLog.SentStopCommand(_logger, command, server.Server.Pid);
                return;
            }
            catch (IOException ex)
            {
                SupervisorLog.StopCommandFailed(_logger, ex, server.Server.Pid);
            }
        }

        server.Signal(Signals.Term);
        SupervisorLog.SentTerm(_logger, server.Server.Pid);
    }

    private async Task KillAsync()
    {
        ServerProcess? server;
        Task watch;
        lock (_gate)
        {
            server = _server;
            watch = _watch;
            if (server is null)
            {
                _restarts.Disarm(keepDeadline: false);
                if (_state == GameServerState.Crashed)
                {
                    SetState(GameServerState.Stopped, "kill requested");
                    Persist();
                }

                return;
            }

            server.MarkStopRequested();
            SetState(GameServerState.Stopping, "kill requested");
            Persist();
        }

        SupervisorLog.Killing(_logger, server.Server.Pid);
        server.Signal(Signals.Kill);
        await WaitForExitHandledAsync(server, watch);
    }

    private async Task WaitForExitHandledAsync(ServerProcess server, Task watch)
    {
        try
        {
            await watch.WaitAsync(_options.KillTimeout, _time);
        }
        catch (TimeoutException)
        {
            SupervisorLog.KillTimedOut(_logger, server.Server.Pid, _options.KillTimeout);
        }
    }

    /// <summary>Makes <paramref name="server"/> the current one and watches for its end. Call under the gate.</summary>
    private void Adopt(ServerProcess server)
    {
        _server = server;
        _policy.OnStarted(server.StartedAt);
        _watch = WatchAsync(server);
    }

    private async Task WatchAsync(ServerProcess server)
    {
        // Yield so that Adopt's caller, which holds the gate, finishes before the exit is handled.
        await Task.Yield();
        ExitStatus status;
        try
        {
            status = await server.Exited.WaitAsync(server.Detached);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        OnExited(server, status);
    }

    private void OnExited(ServerProcess server, ExitStatus status)
    {
        CrashRecord? crash = null;
        string? rule = null;
        lock (_gate)
        {
            if (!ReferenceEquals(_server, server) || _detached)
            {
                return;
            }

            _server = null;
            server.Dispose();
            var now = _time.GetUtcNow();
            var uptime = Max(TimeSpan.Zero, now - server.StartedAt);
            if (server.StopRequested)
            {
                SetState(GameServerState.Stopped, "stopped on request (" + status + ")");
            }
            else if (status.IsCleanExit && !_options.CleanExitIsCrash)
            {
                // A server stopped from inside the game (an operator typed "stop") went through its own shutdown.
                SetState(GameServerState.Stopping, "the server stopped by itself");
                SetState(GameServerState.Stopped, "the server exited by itself with code 0");
            }
            else
            {
                var tail = LogTail.Read(server.Run.ConsoleLog, _options.LogTailLines, _options.LogTailBytes);
                (var classification, rule) = CrashClassifier.Classify(status, tail);
                var decision = _policy.OnCrashed(giveUpAtOnce: classification == CrashClassification.MissingDependency);
                if (!decision.GiveUp)
                {
                    _restarts.Arm(decision.Delay);
                }

                var reason = CrashReason(decision, classification);
                crash = new CrashRecord(
                    Guid.NewGuid(), now, status.ExitCode, status.Signal, uptime, classification, tail,
                    decision.ConsecutiveCrashes, decision.RestartDelay, decision.GiveUp);
                SetState(GameServerState.Crashed, status + ", " + reason);
                var record = crash;
                _events.Publish((sequence, at) => new GameCrashed(sequence, at, record));
                if (decision.GiveUp)
                {
                    SetState(GameServerState.Error, reason);
                }
            }

            _launcher.ForgetLaunch(server.LaunchId);
            Persist();
        }

        if (crash is not null)
        {
            SupervisorLog.Crashed(
                _logger, server.Server.Pid, crash.Uptime, status, CrashClassifier.WireName(crash.Classification), rule,
                crash.ConsecutiveCrashes, crash.RestartDelay, crash.GaveUp);
        }
        else
        {
            SupervisorLog.Ended(_logger, server.Server.Pid, status);
        }
    }

    /// <summary>
    /// Prepares a fresh container: today that is only the server directory (server files are placed
    /// by the template, outside this agent). Call under the gate.
    /// </summary>
    private void Install()
    {
        SetState(GameServerState.Installing, "preparing the server directory");
        try
        {
            Directory.CreateDirectory(_settings.ServerDirectory);
            SetState(GameServerState.Stopped, "installed");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            SetState(GameServerState.Error, "cannot create the server directory: " + ex.Message);
        }
    }

    private async Task RestartAfterBackoffAsync(long epoch)
    {
        try
        {
            await _power.WaitAsync();
            try
            {
                lock (_gate)
                {
                    if (_state != GameServerState.Crashed || _detached || !_restarts.TryClaim(epoch))
                    {
                        return;
                    }
                }

                await StartServerAsync(userRequested: false, CancellationToken.None);
            }
            finally
            {
                _power.Release();
            }
        }
        catch (ObjectDisposedException)
        {
            // The agent is shutting down; the next agent restores the pending restart.
        }
    }

    /// <summary>The one way to change state: reports a change, never a repeat. Call under the gate.</summary>
    private void SetState(GameServerState state, string? reason)
    {
        if (state == _state)
        {
            return;
        }

        SupervisorLog.StateChanged(_logger, _state, state, reason);
        _state = state;
        _reason = reason;
        _events.Publish((sequence, at) => new GameStateChanged(sequence, at, state, reason));
    }

    /// <summary>Call under the gate.</summary>
    private void Persist()
    {
        try
        {
            new SupervisionState(_state, _reason, _policy.ConsecutiveCrashes, _restarts.RestartAt, _spec, _resumeOnStart).Save(_settings.StateFile);
        }
        catch (IOException ex)
        {
            // Supervision goes on without the file; only an agent restart would lose the counter.
            SupervisorLog.PersistFailed(_logger, ex, _settings.StateFile);
        }
    }

    /// <summary>Why the server is Crashed (and, when the policy gave up, in Error).</summary>
    private string CrashReason(RestartDecision decision, CrashClassification classification)
    {
        if (decision.GiveUp && classification == CrashClassification.MissingDependency)
        {
            return "missing_dependency: restarting cannot fix a missing library, jar or binary";
        }

        return decision.GiveUp
            ? $"crashed {decision.ConsecutiveCrashes.ToString(CultureInfo.InvariantCulture)} times in a row, each within {_options.StableUptime.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s of starting"
            : $"{CrashClassifier.WireName(classification)}; restart in {decision.Delay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

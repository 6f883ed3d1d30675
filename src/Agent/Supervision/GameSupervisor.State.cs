using ZlhGrind.Agent.Templates;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Supervision;

/// <summary>What survives an agent restart: restoring it at start (reattaching to a live server), installing, persisting.</summary>
internal sealed partial class GameSupervisor
{
    /// <summary>Restores what a previous agent left: its state, crash counter and pending restart, and reattaches to a live server.</summary>
    public async Task StartAsync()
    {
        var resume = false;
        DateTimeOffset? savedReadyAt = null;
        lock (_gate)
        {
            if (SupervisionState.TryLoad(_settings.StateFile) is { } saved)
            {
                _state = saved.State;
                _reason = saved.Reason;
                if (_spec is null)
                {
                    _spec = saved.Spec;
                    _specGeneration = saved.SpecGeneration ?? 0;
                }

                _runGeneration = saved.RunningGeneration;
                _policy.Restore(saved.ConsecutiveCrashes);
                _restarts.Restore(saved.RestartAt);
                _lastStop = saved.LastStop;
                savedReadyAt = saved.State == GameServerState.Running ? saved.ReadyAt : null;
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

                var plan = _spec is null ? null : TryPlan(_spec);
                Adopt(server, plan ?? LaunchPlan.Unknown(_options.StopTimeout));
                if (alive && launch.StopRequested)
                {
                    SetState(GameServerState.Stopping, "reattached after agent restart");
                }
                else if (alive && _state == GameServerState.Starting && plan is { HasReadiness: true })
                {
                    // Still proving itself: the start timeout counts from the launch, not from this agent.
                    BeginReadiness(server, plan, launch.StartedAt + plan.StartTimeout - _time.GetUtcNow());
                }
                else if (alive)
                {
                    BecomeReady(savedReadyAt, "reattached after agent restart");
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
            await _power.RunAsync(() => StartServerAsync(userRequested: false, CancellationToken.None, "resumed after agent restart"));
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

    /// <summary>Installing a template's files: only when no server runs and nothing is scheduled (Stopped, Error or Installing).</summary>
    public bool BeginInstall(string reason)
    {
        lock (_gate)
        {
            if (_server is not null || _retired || _state is not (GameServerState.Stopped or GameServerState.Error or GameServerState.Installing))
            {
                return false;
            }

            SetState(GameServerState.Installing, reason);
            Persist();
            return true;
        }
    }

    /// <summary>The template install ended: Stopped, or Error with why (the server directory was left as it was).</summary>
    public void EndInstall(string? error)
    {
        lock (_gate)
        {
            SetState(error is null ? GameServerState.Stopped : GameServerState.Error, error is null ? "installed" : "install failed: " + error);
            Persist();
        }
    }

    private LaunchPlan? TryPlan(GameServerSpec spec)
    {
        try
        {
            return PlanFor(spec);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The container is being deleted and its server stopped: no restart is armed any more and nothing is written again,
    /// so the state directory a deletion removes is not recreated (by a late exit, a restart or the agent's shutdown).
    /// </summary>
    public void Retire()
    {
        lock (_gate)
        {
            _retired = true;
            _resumeOnStart = false;
            _restarts.Disarm(keepDeadline: false);
        }
    }

    /// <summary>Call under the gate.</summary>
    private void Persist()
    {
        if (_retired)
        {
            return;
        }

        try
        {
            new SupervisionState(_state, _reason, _policy.ConsecutiveCrashes, _restarts.RestartAt, _spec, _resumeOnStart, _readyAt, _lastStop, _specGeneration, _runGeneration).Save(_settings.StateFile);
        }
        catch (IOException ex)
        {
            // Supervision goes on without the file; only an agent restart would lose the counter.
            SupervisorLog.PersistFailed(_logger, ex, _settings.StateFile);
        }
    }
}

using System.ComponentModel;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Templates;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Supervision;

/// <summary>Launching a server (or adopting one a previous agent launched), waiting for it to be ready and watching for its end.</summary>
internal sealed partial class GameSupervisor
{
    private async Task StartServerAsync(bool userRequested, CancellationToken cancellationToken, string? reason = null)
    {
        LaunchPlan plan;
        GameServerSpec spec;
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

            if (_spec is null)
            {
                SetState(GameServerState.Starting, "start requested");
                SetState(GameServerState.Error, "no game server spec received yet");
                Persist();
                return;
            }

            spec = _spec;
            SetState(GameServerState.Starting, reason ?? (userRequested ? "start requested" : "restart after crash"));
            try
            {
                plan = PlanFor(_spec);
                _runGeneration = _specGeneration;
            }
            catch (ArgumentException ex)
            {
                // The silo validated the template; a pattern this runtime cannot compile still must not crash the agent.
                SetState(GameServerState.Error, "the template cannot be used: " + ex.Message);
                Persist();
                return;
            }

            Persist();
        }

        ServerProcess server;
        try
        {
            // Limits are written at every start, so a changed spec applies from its next start; the group's OOM-kill count
            // before the launch tells this run's end whether the kernel killed it.
            var limits = _limits.Prepare(spec.MemoryMb, spec.CpuPercent);
            var oomKillsBefore = _limits.OomKills();
            server = await _launcher.LaunchAsync(plan.Command, _settings.ServerDirectory, _settings.Environment, _time.GetUtcNow(), cancellationToken, limits, oomKillsBefore);
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
            Adopt(server, plan);
            if (plan.HasReadiness)
            {
                BeginReadiness(server, plan, plan.StartTimeout);
            }
            else
            {
                BecomeReady(null);
            }

            Persist();
        }

        SupervisorLog.Started(_logger, server.Server.Pid, plan.Command);
    }

    private LaunchPlan PlanFor(GameServerSpec spec) => LaunchPlan.For(spec, _settings.ServerDirectory, _options.StopTimeout);

    /// <summary>Makes <paramref name="server"/> the current one and watches for its end. Call under the gate.</summary>
    private void Adopt(ServerProcess server, LaunchPlan plan)
    {
        _server = server;
        _plan = plan;
        _readyAt = null;
        _startTimedOut = null;
        _stopForced = null;
        _policy.OnStarted(server.StartedAt);
        _watch = WatchAsync(server);
    }

    /// <summary>Running from now (or since <paramref name="since"/>, a reattached server's). Call under the gate.</summary>
    private void BecomeReady(DateTimeOffset? since, string? reason = null)
    {
        _readyAt = since ?? _time.GetUtcNow();
        ModChanges?.MarkCleanRun();
        SetState(GameServerState.Running, reason, _readyAt);
    }

    /// <summary>
    /// Waits up to <paramref name="remaining"/> for the plan's readiness, then Running; past it the server is killed and its
    /// end recorded as a start_timeout crash. The timeout exists before the caller releases the gate, so a fake clock
    /// advanced by someone who saw Starting never runs ahead of it. Call under the gate.
    /// </summary>
    private void BeginReadiness(ServerProcess server, LaunchPlan plan, TimeSpan remaining)
    {
        var timeout = new CancellationTokenSource(Max(TimeSpan.Zero, remaining), _time);
        _readiness = WatchReadinessAsync(server, plan, timeout);
    }

    private async Task WatchReadinessAsync(ServerProcess server, LaunchPlan plan, CancellationTokenSource timeout)
    {
        await Task.Yield();
        using (timeout)
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, server.Detached))
        {
            var probe = new ReadinessProbe(server.Run.ConsoleLog, server.ConsoleStart, plan.ReadyPattern, plan.ReadyPort, _options.ReadinessPollInterval, plan.ReadyUdpPayload);
            try
            {
                await probe.WaitAsync(() => StillStarting(server), linked.Token);
            }
            catch (OperationCanceledException)
            {
                if (timeout.IsCancellationRequested && !server.Detached.IsCancellationRequested)
                {
                    StartTimedOut(server, plan);
                }

                return;
            }

            lock (_gate)
            {
                if (StillStartingUnderGate(server))
                {
                    BecomeReady(null, ReadyReason(plan));
                    Persist();
                }
            }
        }
    }

    private void StartTimedOut(ServerProcess server, LaunchPlan plan)
    {
        lock (_gate)
        {
            if (!StillStartingUnderGate(server))
            {
                return;
            }

            _startTimedOut = server.LaunchId;
        }

        SupervisorLog.StartTimedOut(_logger, server.Server.Pid, plan.StartTimeout);
        server.Signal(Signals.Kill);
    }

    private bool StillStarting(ServerProcess server)
    {
        lock (_gate)
        {
            return StillStartingUnderGate(server);
        }
    }

    private bool StillStartingUnderGate(ServerProcess server) =>
        ReferenceEquals(_server, server) && _state == GameServerState.Starting && !_detached && !server.StopRequested;

    private static string ReadyReason(LaunchPlan plan)
    {
        var answers = plan.ReadyUdpPayload is null ? "accepts connections" : "answers UDP";
        return (plan.ReadyPattern, plan.ReadyPort) switch
        {
            ({ } pattern, { } port) => $"ready: console matched {pattern} and port {port} {answers}",
            ({ } pattern, null) => $"ready: console matched {pattern}",
            (null, { } port) => $"ready: port {port} {answers}",
            _ => "ready",
        };
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

        await KillLeftoversAsync(server);
        OnExited(server, status);
    }

    /// <summary>
    /// Whatever the server left in its group (a daemon that escaped its process group) dies before its end is handled,
    /// so neither a restart nor the next start ever runs beside it. Without a group only the shim's process group is in
    /// reach: an escaped daemon is not (the README says so).
    /// </summary>
    private async Task KillLeftoversAsync(ServerProcess server)
    {
        if (_limits.MembersFile is not { } members)
        {
            Leftovers.KillProcessGroup(server.Shim.Pid);
            return;
        }

        try
        {
            _limits.KillGroup();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The members are killed one by one below.
            SupervisorLog.GroupKillFailed(_logger, ex, server.Server.Pid);
        }

        switch (await Leftovers.KillMembersAsync(members, _limits.GroupKillTimeout))
        {
            case null:
                SupervisorLog.LeftoversSurvived(_logger, server.Server.Pid, members, _limits.GroupKillTimeout);
                break;
            case > 0 and var killed:
                SupervisorLog.LeftoversKilled(_logger, server.Server.Pid, killed);
                break;
        }
    }
}

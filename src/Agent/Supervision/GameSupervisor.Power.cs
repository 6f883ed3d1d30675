using System.Globalization;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Agent.Supervision;

/// <summary>Power actions: start, stop and restart one at a time behind the power lock; kill at once.</summary>
internal sealed partial class GameSupervisor
{
    /// <summary>Runs a power action. Start, stop and restart wait their turn; kill goes at once.</summary>
    public async Task PowerAsync(PowerAction action, CancellationToken cancellationToken)
    {
        if (action == PowerAction.Kill)
        {
            await KillAsync();
            return;
        }

        await _power.RunAsync(
            async () =>
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
            },
            cancellationToken);
    }

    /// <summary>
    /// Agent shutdown with <c>StopServerOnAgentStop</c>: stops the server gracefully (not a crash) and
    /// remembers to start it again when the next agent starts; the server's limit group is removed.
    /// </summary>
    public async Task StopForAgentShutdownAsync(CancellationToken cancellationToken)
    {
        await _power.RunAsync(
            async () =>
            {
                bool running;
                lock (_gate)
                {
                    running = _server is not null;
                }

                if (running)
                {
                    await StopServerAsync();
                    lock (_gate)
                    {
                        _resumeOnStart = _state == GameServerState.Stopped;
                        Persist();
                    }
                }

                // The agent gives the server up: its (now empty) group goes too, and the next start makes it again.
                _limits.Remove();
            },
            cancellationToken);
    }

    private async Task StopServerAsync()
    {
        if (MarkStopRequested("stop requested", settleError: true, announceStopping: false) is not var (server, watch))
        {
            return;
        }

        StopMethod method;
        lock (_gate)
        {
            method = (_plan ?? (_spec is null ? null : PlanFor(_spec)))?.Stop ?? new StopMethod(null, Signals.Term, _options.StopTimeout);
        }

        // The first step's timeout exists before anyone can see Stopping, so a test (or a fake clock) that reacts
        // to Stopping never advances time before the timer is set.
        var firstStep = new CancellationTokenSource(method.Timeout, _time);
        lock (_gate)
        {
            SetState(GameServerState.Stopping, "stop requested");
            Persist();
        }

        var ignored = new List<string>();
        var waited = TimeSpan.Zero;
        var exited = false;
        if (!string.IsNullOrWhiteSpace(method.ConsoleCommand))
        {
            if (await TrySendStopCommandAsync(server, method.ConsoleCommand))
            {
                ignored.Add("stop command");
            }
            else if (method.Signal is null)
            {
                // The console is gone: SIGTERM is the graceful stop left.
                method = method with { Signal = Signals.Term };
            }

            if (ignored.Count > 0)
            {
                using (firstStep)
                {
                    exited = await ExitedWithinAsync(server, firstStep.Token);
                }

                firstStep = null;
                waited += method.Timeout;
            }
        }

        if (!exited && method.Signal is { } signal)
        {
            using var step = firstStep ?? new CancellationTokenSource(method.Timeout, _time);
            firstStep = null;
            server.Signal(signal);
            SupervisorLog.SentSignal(_logger, signal, server.Server.Pid);
            ignored.Add(SignalName(signal));
            exited = await ExitedWithinAsync(server, step.Token);
            waited += method.Timeout;
        }

        firstStep?.Dispose();
        if (!exited)
        {
            var reason = $"{string.Join(" and ", ignored)} ignored for {waited.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
            lock (_gate)
            {
                _stopForced = reason;
            }

            SupervisorLog.StopTimedOut(_logger, server.Server.Pid, waited);
            server.Signal(Signals.Kill);
        }

        await WaitForExitHandledAsync(server, watch);
    }

    private async Task<bool> TrySendStopCommandAsync(ServerProcess server, string command)
    {
        try
        {
            await server.SendConsoleLineAsync(command, CancellationToken.None);
            SupervisorLog.SentStopCommand(_logger, command, server.Server.Pid);
            return true;
        }
        catch (IOException ex)
        {
            SupervisorLog.StopCommandFailed(_logger, ex, server.Server.Pid);
            return false;
        }
    }

    private static async Task<bool> ExitedWithinAsync(ServerProcess server, CancellationToken timeout)
    {
        try
        {
            await server.Exited.WaitAsync(timeout);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        10 => "SIGUSR1",
        12 => "SIGUSR2",
        15 => "SIGTERM",
        _ => "signal " + signal.ToString(CultureInfo.InvariantCulture),
    };

    private async Task KillAsync()
    {
        if (MarkStopRequested("kill requested", settleError: false, announceStopping: true) is not var (server, watch))
        {
            return;
        }

        SupervisorLog.Killing(_logger, server.Server.Pid);
        lock (_gate)
        {
            _stopForced = "killed on request";
        }

        server.Signal(Signals.Kill);
        await WaitForExitHandledAsync(server, watch);
    }

    /// <summary>
    /// Marks the running server's coming exit as requested (so it is no crash) and returns it with its watch. With no
    /// server, a pending restart is cancelled and Crashed (or Error, with <paramref name="settleError"/>) becomes Stopped.
    /// </summary>
    private (ServerProcess Server, Task Watch)? MarkStopRequested(string reason, bool settleError, bool announceStopping)
    {
        lock (_gate)
        {
            if (_server is not { } server)
            {
                _restarts.Disarm(keepDeadline: false);
                if (_state == GameServerState.Crashed || (settleError && _state == GameServerState.Error))
                {
                    SetState(GameServerState.Stopped, reason);
                    Persist();
                }

                return null;
            }

            server.MarkStopRequested();
            if (announceStopping)
            {
                SetState(GameServerState.Stopping, reason);
                Persist();
            }

            return (server, _watch);
        }
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
}

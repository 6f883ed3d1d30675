using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.GameServers;

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
    /// remembers to start it again when the next agent starts.
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
            },
            cancellationToken);
    }

    private async Task StopServerAsync()
    {
        if (MarkStopRequested("stop requested", settleError: true, announceStopping: false) is not var (server, watch))
        {
            return;
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
        string? command;
        lock (_gate)
        {
            command = _spec?.StopCommand;
        }

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
        if (MarkStopRequested("kill requested", settleError: false, announceStopping: true) is not var (server, watch))
        {
            return;
        }

        SupervisorLog.Killing(_logger, server.Server.Pid);
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

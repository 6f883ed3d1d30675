using System.ComponentModel;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Supervision;

/// <summary>Launching a server (or adopting one a previous agent launched) and watching for its end.</summary>
internal sealed partial class GameSupervisor
{
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
}

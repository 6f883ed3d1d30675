using System.Globalization;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>Power actions: adopt, start, stop and restart, one at a time behind the power lock.</summary>
internal sealed partial class CodeServerSupervisor
{
    /// <summary>At agent start: takes over this agent's code-server when it is already running, whoever started it.</summary>
    public Task<bool> AdoptAsync(CancellationToken cancellationToken) =>
        _power.RunAsync(
            () =>
            {
                var adopted = CurrentOrAdopted() is not null;
                if (adopted)
                {
                    lock (_gate)
                    {
                        _wanted = true;
                    }
                }

                return Task.FromResult(adopted);
            },
            cancellationToken);

    /// <summary>Makes code-server run (a user start also forgives earlier crashes); returns once it answers or failed.</summary>
    public Task StartAsync(CancellationToken cancellationToken) =>
        _power.RunAsync(
            async () =>
            {
                lock (_gate)
                {
                    _restarts.Disarm(keepDeadline: false);
                    _wanted = true;
                    _policy.Reset();
                }

                if (CurrentOrAdopted() is null)
                {
                    await LaunchAsync(cancellationToken);
                }
            },
            cancellationToken);

    /// <summary>Stops code-server (also one started outside the agent) and keeps it stopped.</summary>
    public Task StopAsync(CancellationToken cancellationToken) =>
        _power.RunAsync(() => StopCoreAsync("stopped on request", cancellationToken), cancellationToken);

    public Task RestartAsync(CancellationToken cancellationToken) =>
        _power.RunAsync(
            async () =>
            {
                await StopCoreAsync("restarting on request", cancellationToken);
                lock (_gate)
                {
                    _wanted = true;
                    _policy.Reset();
                }

                await LaunchAsync(cancellationToken);
            },
            cancellationToken);

    /// <summary>
    /// The current run, or this agent's code-server found running (then adopted and watched), or null. Only a power
    /// action calls it, so nothing else makes an instance current in between.
    /// </summary>
    private CodeServerInstance? CurrentOrAdopted()
    {
        lock (_gate)
        {
            if (_current is { } current)
            {
                return current;
            }
        }

        if (_scanner.Find() is not { } found)
        {
            return null;
        }

        var instance = new CodeServerInstance(found, null, _time.GetUtcNow());
        lock (_gate)
        {
            _current = instance;
            _policy.OnStarted();
        }

        CodeServerLog.Adopted(_logger, found.Pid, found.Port ?? _options.Port);
        _ = MonitorAdoptedAsync(instance);
        SetState(CodeServerState.Running, string.Create(CultureInfo.InvariantCulture, $"found running as pid {found.Pid}"));
        return instance;
    }

    private async Task StopCoreAsync(string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _restarts.Disarm(keepDeadline: false);
            _wanted = false;
        }

        if (CurrentOrAdopted() is { } instance)
        {
            await TerminateAsync(instance, cancellationToken);
        }

        SetState(CodeServerState.Stopped, reason);
    }

    private static void Signal(CodeServerInstance instance, int signal) =>
        Signals.SendToGroup(instance.Process.Pid, instance.Process.ProcessGroup, signal);

    private async Task TerminateAsync(CodeServerInstance instance, CancellationToken cancellationToken)
    {
        instance.Stopping = true;
        Signal(instance, Signals.Term);
        var grace = Task.Delay(_options.StopTimeout, _time, cancellationToken);
        if (await Task.WhenAny(instance.Exited.Task, grace) != instance.Exited.Task)
        {
            Signal(instance, Signals.Kill);
            instance.Child?.Kill(entireProcessTree: true);
            try
            {
                await instance.Exited.Task.WaitAsync(_options.StopTimeout, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // SIGKILL cannot be refused; only an unwatched (detached) process is never reported as exited.
                CodeServerLog.ExitNotSeen(_logger, instance.Process.Pid);
            }
        }

        lock (_gate)
        {
            if (ReferenceEquals(_current, instance))
            {
                _current = null;
            }
        }
    }
}

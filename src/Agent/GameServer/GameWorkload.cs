using Microsoft.Extensions.Logging;
using ZlhGrind.Agent.Files;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Runtimes;
using ZlhGrind.Agent.Supervision;
using ZlhGrind.Agent.Templates;
using ZlhGrind.Agent.Workloads;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.GameServer;

/// <summary>
/// The workload of a game container: turns desired specs into power actions for the
/// <see cref="GameSupervisor"/>. A power action is a numbered request, applied once; <see cref="ApplyAsync"/>
/// only dispatches it, so a slow graceful stop never holds up the cluster link, and a kill is never
/// queued behind one.
/// </summary>
internal sealed class GameWorkload(
    GameSupervisor supervisor,
    string appliedFile,
    bool stopServerOnAgentStop,
    ILogger<GameWorkload> logger,
    IReadOnlyList<string>? dataDirectories = null,
    FileRootSource? files = null,
    TemplateInstaller? installer = null) : IWorkload
{
    private readonly Lock _gate = new();
    private readonly List<Task> _actions = [];

    // The template install and config files of the latest spec; a start waits for them (a kill never does).
    private Task<bool> _prepared = Task.FromResult(true);
    private AppliedSpec? _applied;
    private bool _deleting;

    public GameSupervisor Supervisor => supervisor;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _applied = AppliedSpec.TryLoad(appliedFile);
        }

        await supervisor.StartAsync();
    }

    public Task ApplyAsync(DesiredSpec spec, CancellationToken cancellationToken)
    {
        if (spec.Game is not { } game)
        {
            SupervisorLog.NoGamePart(logger, spec.Generation);
            return Task.CompletedTask;
        }

        PowerAction? action = null;
        lock (_gate)
        {
            // The file manager's quota and denylist follow the newest spec, also the one an agent restart hands over
            // again (its power request was carried out already, its policy is not known yet).
            if (!_deleting && (_applied is null || spec.Generation >= _applied.Generation))
            {
                files?.Apply(FileRootPolicy.For(game.Spec));
            }

            if (_deleting || (_applied is { } applied && spec.Generation <= applied.Generation))
            {
                return Task.CompletedTask;
            }

            supervisor.Configure(game.Spec, spec.Generation);
            var first = _applied is null;
            var lastRequest = _applied?.PowerRequest ?? 0;
            if (game.PowerRequest > lastRequest)
            {
                action = game.LastAction ?? (game.Power == DesiredPower.Running ? PowerAction.Start : PowerAction.Stop);
            }
            else if (first && game.Power == DesiredPower.Running)
            {
                // A fresh container whose server is already meant to run (no request to number it).
                action = PowerAction.Start;
            }

            // Recorded before acting: an agent that dies mid-action must not repeat a restart on its next start.
            _applied = new AppliedSpec(spec.Generation, Math.Max(game.PowerRequest, lastRequest));
            _applied.Save(appliedFile);
            _actions.RemoveAll(t => t.IsCompleted);
            if (installer is not null && game.Spec.Launch is { } launch && (launch.Install is not null || launch.ConfigFiles is { Count: > 0 }))
            {
                _prepared = PrepareAsync(_prepared, game.Spec.Template, launch);
                _actions.Add(_prepared);
            }

            if (action is { } a)
            {
                SupervisorLog.PowerRequested(logger, game.PowerRequest, a);
                _actions.Add(RunAsync(a, a == PowerAction.Kill ? Task.FromResult(true) : _prepared));
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops the server (the configured graceful stop, then SIGKILL, as for a user's stop), retires the supervisor (it
    /// writes no state again), then removes the server, run and state directories unless the data is kept. No power
    /// action is taken afterwards.
    /// </summary>
    public async Task<DeletionOutcome> DeleteAsync(bool keepData, CancellationToken cancellationToken)
    {
        Task[] pending;
        lock (_gate)
        {
            _deleting = true;
            pending = [.. _actions];
        }

        await Task.WhenAll(pending);
        await supervisor.PowerAsync(PowerAction.Stop, cancellationToken);
        supervisor.Retire();
        supervisor.RemoveLimits();
        if (keepData)
        {
            return new DeletionOutcome(DataRemoved: false, null);
        }

        foreach (var directory in dataDirectories ?? [])
        {
            TreeRemover.RemoveTree(directory);
        }

        return new DeletionOutcome(DataRemoved: true, null);
    }

    public WorkloadSnapshot Snapshot()
    {
        var (pid, uptime, observed) = supervisor.Observe();
        long generation;
        lock (_gate)
        {
            generation = _applied?.Generation ?? 0;
        }

        return new WorkloadSnapshot(pid, uptime, generation, installer?.Progress is { } install ? observed with { Install = install } : observed, null);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task[] pending;
        lock (_gate)
        {
            pending = [.. _actions];
        }

        // A running stop or start may finish while the host allows; the server itself is left running
        // unless configured otherwise.
        await Task.WhenAll(pending).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        if (stopServerOnAgentStop)
        {
            await supervisor.StopForAgentShutdownAsync(cancellationToken);
        }

        await supervisor.DisposeAsync();
    }

    /// <summary>Completes when every dispatched power action has finished (tests and shutdown).</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate)
        {
            return Task.WhenAll(_actions);
        }
    }

    /// <summary>
    /// After the previous preparation: the template's first install (Installing while it runs, Error with the reason when
    /// it fails), then its config files rendered anew. False when the server's files are not there to start it.
    /// </summary>
    private async Task<bool> PrepareAsync(Task<bool> previous, string template, ZlhGrind.Grains.Templates.GameLaunch launch)
    {
        await previous;
        try
        {
            if (installer!.NeedsInstall(launch))
            {
                if (!supervisor.BeginInstall($"installing template {template} {launch.TemplateVersion}"))
                {
                    return false;
                }

                try
                {
                    await installer.InstallAsync(template, launch, CancellationToken.None);
                }
                catch (Exception ex) when (ex is RuntimeInstallException or IOException or UnauthorizedAccessException)
                {
                    supervisor.EndInstall(ex.Message);
                    return false;
                }

                supervisor.EndInstall(null);
            }

            await installer.WriteConfigFilesAsync(launch, CancellationToken.None);
            return true;
        }
        catch (Exception ex) when (ex is FileOperationException or IOException or UnauthorizedAccessException)
        {
            SupervisorLog.ConfigFilesFailed(logger, ex);
            return false;
        }
    }

    private async Task RunAsync(PowerAction action, Task<bool> prepared)
    {
        if (!await prepared && action is PowerAction.Start or PowerAction.Restart)
        {
            SupervisorLog.StartSkipped(logger, action);
            return;
        }

        try
        {
            await supervisor.PowerAsync(action, CancellationToken.None);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or ObjectDisposedException)
        {
            SupervisorLog.PowerFailed(logger, ex, action);
        }
    }
}

using Microsoft.Extensions.Logging;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Supervision;
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
internal sealed class GameWorkload(GameSupervisor supervisor, string appliedFile, bool stopServerOnAgentStop, ILogger<GameWorkload> logger, IReadOnlyList<string>? dataDirectories = null) : IWorkload
{
    private readonly Lock _gate = new();
    private readonly List<Task> _actions = [];
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
            if (action is { } a)
            {
                SupervisorLog.PowerRequested(logger, game.PowerRequest, a);
                _actions.RemoveAll(t => t.IsCompleted);
                _actions.Add(RunAsync(a));
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

        return new WorkloadSnapshot(pid, uptime, generation, observed, null);
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

    private async Task RunAsync(PowerAction action)
    {
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

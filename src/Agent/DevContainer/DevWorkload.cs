using System.Text.Json;
using Microsoft.Extensions.Logging;
using ZlhGrind.Agent.CodeServer;
using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Files;
using ZlhGrind.Agent.Outbox;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Runtimes;
using ZlhGrind.Agent.Workloads;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Agent.DevContainer;

/// <summary>
/// The dev container's workload: converges to the desired runtime (install, upgrade or switch back), keeps the one
/// PATH in the profile, and runs code-server when enabled. <c>Ready</c> (provisioningComplete) means the runtime is
/// installed and verified and, when code-server should run, it answers on its port. Applies are serialized; an
/// install can take minutes, so the cluster link should not hold its heartbeat on <see cref="ApplyAsync"/>.
/// </summary>
internal sealed class DevWorkload(
    RuntimeInstaller installer,
    DevUserEnvironment environment,
    CodeServerInstaller codeServerInstaller,
    CodeServerSupervisor codeServer,
    IAgentEvents events,
    DevPaths paths,
    RuntimeLayout layout,
    ILogger<DevWorkload> logger,
    FileRootSource? files = null) : IWorkload, IDisposable
{
    private readonly SemaphoreSlim _apply = new(1, 1);
    private readonly Lock _gate = new();
    private DevContainerState _state = DevContainerState.Provisioning;
    private string? _reason;
    private long _observedGeneration;
    private bool _codeServerEnabled;
    private long _handledCodeServerRequest;
    private bool _deleted;

    private string StateFile => Path.Combine(paths.StateRoot, "dev-workload.json");

    public DevContainerState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public string? Reason
    {
        get
        {
            lock (_gate)
            {
                return _reason;
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        installer.Load();
        _handledCodeServerRequest = LoadState().HandledCodeServerRequest;
        try
        {
            await environment.EnsureAsync(cancellationToken);
            await environment.UpdatePathAsync(installer.ActiveBinDirectories(), cancellationToken);
        }
        catch (Exception ex) when (IsRefusedByTheMachine(ex))
        {
            // Reported as the container's error (a link the dev user planted, useradd failing) instead of ending the
            // agent; the next spec tries again. Without a prepared dev user nothing is adopted.
            DevLog.PrepareFailed(logger, ex);
            SetState(DevContainerState.Error, $"the dev environment could not be prepared: {ex.Message}");
            return;
        }

        // One left running by an earlier agent, or started by hand, is taken over rather than started twice.
        await codeServer.AdoptAsync(cancellationToken);
    }

    public async Task ApplyAsync(DesiredSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Dev is not { } dev)
        {
            DevLog.NoDevSpec(logger, spec.Generation);
            return;
        }

        // The workspace's quota follows the spec at once; the files relay waits for it before it serves a call.
        files?.Apply(FileRootPolicy.For(dev.Spec));

        await _apply.WaitAsync(cancellationToken);
        try
        {
            if (_deleted)
            {
                // A late spec after the deletion (a reconnect hands one over again) installs and starts nothing.
                return;
            }

            lock (_gate)
            {
                _codeServerEnabled = dev.Spec.EnableCodeServer;
            }

            await ConvergeAsync(dev, cancellationToken);
            MarkObserved(spec.Generation);
        }
        catch (Exception ex) when (IsRefusedByTheMachine(ex))
        {
            // The machine refused (disk, permissions, useradd): reported as the container's error, not thrown at the link.
            DevLog.ApplyFailed(logger, ex, spec.Generation);
            SetState(DevContainerState.Error, $"the dev environment could not be prepared: {ex.Message}");
            MarkObserved(spec.Generation);
        }
        finally
        {
            _apply.Release();
        }
    }

    public WorkloadSnapshot Snapshot()
    {
        DevContainerState state;
        long generation;
        bool enabled;
        lock (_gate)
        {
            state = _state;
            generation = _observedGeneration;
            enabled = _codeServerEnabled;
        }

        var codeServerState = codeServer.State;
        var endpoint = enabled || codeServerState != CodeServerState.Stopped ? codeServer.Endpoint : null;
        return new WorkloadSnapshot(
            codeServer.Pid,
            codeServer.Uptime,
            generation,
            Game: null,
            new DevObserved(state, codeServerState, endpoint, installer.Installed(), installer.Progress()));
    }

    /// <summary>
    /// Waits for a running apply, stops code-server (also one adopted from an earlier agent), then removes the workspace
    /// and what the agent keeps for this container under its data root (runtimes, code-server, state, downloads) unless
    /// the data is kept. Removal goes through <see cref="TreeRemover"/>: the workspace is the dev user's ground.
    /// </summary>
    public async Task<DeletionOutcome> DeleteAsync(bool keepData, CancellationToken cancellationToken)
    {
        await _apply.WaitAsync(cancellationToken);
        try
        {
            _deleted = true;
            await codeServer.StopAsync(cancellationToken);
            if (keepData)
            {
                return new DeletionOutcome(DataRemoved: false, null);
            }

            foreach (var directory in DataDirectories())
            {
                TreeRemover.RemoveTree(directory);
            }

            return new DeletionOutcome(DataRemoved: true, null);
        }
        finally
        {
            _apply.Release();
        }
    }

    /// <summary>The workspace (where the prepared user has it, else where it would be) and the agent's own directories.</summary>
    private string[] DataDirectories() =>
    [
        environment.PreparedUser?.Workspace ?? Path.Combine(paths.DefaultHome, paths.WorkspaceName),
        layout.RuntimesRoot,
        paths.ServicesRoot,
        paths.StateRoot,
        paths.TempRoot,
    ];

    // Unless configured to stop, code-server keeps serving the open IDE and the next agent adopts it.
    public Task StopAsync(CancellationToken cancellationToken) => codeServer.ReleaseAsync(cancellationToken);

    public void Dispose() => _apply.Dispose();

    private async Task ConvergeAsync(DevDesired dev, CancellationToken cancellationToken)
    {
        await environment.EnsureAsync(cancellationToken);
        var runtime = await ConvergeRuntimeAsync(dev.Runtime, cancellationToken);
        if (runtime is { KeptVersion: null } failed)
        {
            SetState(DevContainerState.Error, failed.Reason);
        }
        else if (await ConvergeCodeServerAsync(dev, cancellationToken) is { } codeServerError)
        {
            SetState(DevContainerState.Error, codeServerError);
        }
        else if (runtime is { KeptVersion: { } kept } rolledBack)
        {
            // A failed upgrade leaves the previous version active and working: the container stays usable, and the
            // failure is reported after the state, so the grain keeps it as the container's last error.
            var entry = dev.Runtime;
            SetState(DevContainerState.Ready, $"upgrade to {entry.Name} {entry.Version} failed, rolled back to {entry.Name} {kept}{WithIde(dev)}");
            var reason = $"upgrade failed, rolled back to {kept}: {rolledBack.Reason}";
            events.Publish((sequence, at) => new RuntimeInstallFinished(sequence, at, entry.Name, entry.Version, false, reason));
        }
        else
        {
            SetState(DevContainerState.Ready, $"{dev.Runtime.Name} {dev.Runtime.Version} installed and verified{WithIde(dev)}");
        }
    }

    private string WithIde(DevDesired dev) =>
        dev.Spec.EnableCodeServer && dev.CodeServerRunning ? $"; code-server answering on {codeServer.Endpoint}" : string.Empty;

    // A cancelled apply is not observed: the link hands the same generation over again.
    private void MarkObserved(long generation)
    {
        lock (_gate)
        {
            _observedGeneration = Math.Max(_observedGeneration, generation);
        }
    }

    /// <summary>
    /// Returns null when the runtime is installed and active, else why it is not and, for a failed upgrade, the version
    /// that stays active (the installer only switches after the new version verified).
    /// </summary>
    private async Task<RuntimeFailure?> ConvergeRuntimeAsync(Grains.Runtimes.RuntimeEntry entry, CancellationToken cancellationToken)
    {
        // The lifecycle only reaches Ready through Installing (the grain refuses Provisioning or Error straight to
        // Ready), so a fresh agent or one recovering from an error passes through it even when nothing is fetched.
        if (State != DevContainerState.Ready || !installer.IsActive(entry.Name, entry.Version))
        {
            SetState(DevContainerState.Installing, $"installing {entry.Name} {entry.Version}");
        }

        RuntimeInstallResult result;
        try
        {
            result = await installer.InstallAsync(entry, cancellationToken);
        }
        catch (RuntimeInstallException ex)
        {
            var kept = installer.Installed().FirstOrDefault(r => r.Name == entry.Name && r.Active)?.Version;
            if (kept is null)
            {
                events.Publish((sequence, at) => new RuntimeInstallFinished(sequence, at, entry.Name, entry.Version, false, ex.Message));
            }

            return new RuntimeFailure(ex.Message, kept);
        }

        await environment.UpdatePathAsync(installer.ActiveBinDirectories(), cancellationToken);
        if (result.Outcome != InstallOutcome.AlreadyActive)
        {
            var how = result.Outcome == InstallOutcome.Installed ? $"installed and verified: {result.VerifyOutput}" : "switched to the installed version";
            events.Publish((sequence, at) => new RuntimeInstallFinished(sequence, at, entry.Name, entry.Version, true, how));
        }

        return null;
    }

    /// <summary>Why a runtime is not as desired; <paramref name="KeptVersion"/> is the previous version still active after a failed upgrade.</summary>
    private sealed record RuntimeFailure(string Reason, string? KeptVersion);

    /// <summary>Returns null when code-server is as desired, else the reason it is not.</summary>
    private async Task<string?> ConvergeCodeServerAsync(DevDesired dev, CancellationToken cancellationToken)
    {
        if (!dev.Spec.EnableCodeServer)
        {
            if (codeServer.State is not CodeServerState.Stopped)
            {
                await codeServer.StopAsync(cancellationToken);
            }

            return null;
        }

        try
        {
            await codeServerInstaller.EnsureInstalledAsync(cancellationToken);
        }
        catch (RuntimeInstallException ex)
        {
            return $"code-server could not be installed: {ex.Message}";
        }

        if (dev.CodeServerRequest > _handledCodeServerRequest && dev.LastCodeServerAction is { } action)
        {
            // A numbered request is carried out once, even when the desired on/off did not change (restart).
            switch (action)
            {
                case CodeServerAction.Start:
                    await codeServer.StartAsync(cancellationToken);
                    break;
                case CodeServerAction.Stop:
                    await codeServer.StopAsync(cancellationToken);
                    break;
                case CodeServerAction.Restart:
                    await codeServer.RestartAsync(cancellationToken);
                    break;
            }

            _handledCodeServerRequest = dev.CodeServerRequest;
            await SaveStateAsync(cancellationToken);
        }
        else if (dev.CodeServerRunning && codeServer.State == CodeServerState.Stopped)
        {
            // Failed is left alone: it either restarts on its own backoff or waits for a user start.
            await codeServer.StartAsync(cancellationToken);
        }
        else if (!dev.CodeServerRunning && codeServer.State is CodeServerState.Running or CodeServerState.Starting)
        {
            await codeServer.StopAsync(cancellationToken);
        }

        if (dev.CodeServerRunning && codeServer.State != CodeServerState.Running)
        {
            return $"code-server is {codeServer.State}: {codeServer.Reason}";
        }

        return null;
    }

    private static bool IsRefusedByTheMachine(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or InvalidOperationException or TimeoutException;

    private void SetState(DevContainerState state, string? reason)
    {
        lock (_gate)
        {
            if (_state == state && _reason == reason)
            {
                return;
            }

            var changed = _state != state;
            _state = state;
            _reason = reason;
            if (!changed)
            {
                return;
            }
        }

        DevLog.StateChanged(logger, state, reason);
        events.Publish((sequence, at) => new DevStateChanged(sequence, at, state, reason));
    }

    private DevWorkloadState LoadState()
    {
        try
        {
            return File.Exists(StateFile)
                ? JsonSerializer.Deserialize<DevWorkloadState>(File.ReadAllText(StateFile)) ?? new DevWorkloadState(0)
                : new DevWorkloadState(0);
        }
        catch (JsonException)
        {
            return new DevWorkloadState(0);
        }
    }

    private async Task SaveStateAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(paths.StateRoot);
        var partial = StateFile + ".partial";
        await File.WriteAllTextAsync(partial, JsonSerializer.Serialize(new DevWorkloadState(_handledCodeServerRequest)), cancellationToken);
        File.Move(partial, StateFile, overwrite: true);
    }
}

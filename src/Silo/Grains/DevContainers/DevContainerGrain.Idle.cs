using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Events;

namespace ZlhGrind.Silo.Grains.DevContainers;

/// <summary>
/// Idle culling (issue 18): code-server that nobody used for the idle timeout is stopped through the desired spec the
/// agent converges to; the container keeps running. Activity comes only from gateways (batched, about once a minute
/// per container); the deadlines are kept by the cluster's idle watch, never by a timer of this grain.
/// </summary>
internal sealed partial class DevContainerGrain : IIdleCheck
{
    /// <summary>The last activity as it was last written, so later reports write at most once per interval.</summary>
    private DateTimeOffset? _activityWritten;

    /// <summary>The deadline an <c>idleWarning</c> went out for in this activation (none is repeated for it).</summary>
    private DateTimeOffset? _warnedFor;

    /// <summary>True once this activation put the container into the idle watch.</summary>
    private bool _idleWatched;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await base.OnActivateAsync(cancellationToken);
        _activityWritten = Record.LastIdeActivityAt;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (Core.Exists && Record.LastIdeActivityAt != _activityWritten)
        {
            try
            {
                await WriteAsync();
            }
            catch (Exception ex)
            {
                // At most Ide:ActivityWriteInterval of activity is forgotten: the deadline comes that much early.
                LogActivityNotWritten(Logger, ContainerId, ex.Message);
            }
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    public async ValueTask ReportIdeActivityAsync(DateTimeOffset lastActivityAt)
    {
        if (!Core.Exists)
        {
            return;
        }

        // Only gateways report, but their clocks may run ahead: no activity is ever later than the silo's now, so a
        // report cannot postpone the stop beyond one timeout from now.
        var now = Time.GetUtcNow();
        var at = lastActivityAt > now ? now : lastActivityAt;
        if (Record.LastIdeActivityAt is { } known && at <= known)
        {
            return;
        }

        var stopBefore = IdleStopAt();
        Record.LastIdeActivityAt = at;
        if (_activityWritten is not { } written || at - written >= _idle.ActivityWriteInterval)
        {
            // WriteAsync records what it wrote in _activityWritten.
            await WriteAsync();
        }

        if (_warnedFor is not null && IdleStopAt() != stopBefore)
        {
            // The portal showed a warning: tell it the IDE is in use again.
            _warnedFor = null;
            await PublishAsync(ContainerEventKind.IdleDeadlineReset, $"IDE in use again: code-server keeps running until {IdleStopAt():O}");
        }

        await EnsureIdleWatchedAsync();
    }

    public async Task<ContainerStatus> KeepIdeRunningAsync(Actor actor)
    {
        RequireAccess(actor);
        if (!CodeServerWanted)
        {
            throw new ContainerConflictException($"code-server of container {ContainerId} is not running; start it instead.");
        }

        if (IdleTimeout == TimeSpan.Zero)
        {
            // Never stopped for idling: there is no countdown to reset.
            return BuildStatus();
        }

        Record.IdleCountdownFrom = Time.GetUtcNow();
        await WriteAsync();
        _warnedFor = null;
        await PublishAsync(ContainerEventKind.IdleDeadlineReset, $"kept running by {actor.UserId}: code-server keeps running until {IdleStopAt():O}");
        await EnsureIdleWatchedAsync();
        return BuildStatus();
    }

    public async Task<DateTimeOffset?> CheckIdleAsync()
    {
        if (!Core.Exists || IdleStopAt() is not { } stopAt)
        {
            _idleWatched = false;
            return null;
        }

        var now = Time.GetUtcNow();
        if (now >= stopAt)
        {
            var timeout = IdleTimeout;
            Record.CodeServerRunning = false;
            Record.CodeServerRequest++;
            Record.LastCodeServerAction = CodeServerAction.Stop;
            _warnedFor = null;
            _idleWatched = false;
            LogStoppedForIdle(Logger, ContainerId, timeout, Record.LastIdeActivityAt);
            await SpecChangedAsync($"code-server stopped: no IDE activity for {timeout} (idle timeout); the container keeps running");
            return null;
        }

        var warnAt = stopAt - _idle.IdleWarning;
        if (now < warnAt)
        {
            return warnAt;
        }

        if (_warnedFor != stopAt)
        {
            _warnedFor = stopAt;
            await PublishAsync(ContainerEventKind.IdleWarning, $"code-server stops at {stopAt:O} without IDE activity; use the IDE or keep it running");
        }

        return stopAt;
    }

    /// <summary>The idle timeout of this container: its spec's, else <c>Ide:IdleTimeout</c>; zero = never.</summary>
    private TimeSpan IdleTimeout => Record.Spec?.IdleTimeout ?? _idle.IdleTimeout;

    /// <summary>Whether the desired spec says code-server runs (what the agent converges to).</summary>
    private bool CodeServerWanted => Record.Spec is { EnableCodeServer: true } && Record.CodeServerRunning;

    /// <summary>When code-server will be stopped for idling, or null while it is not wanted or never stops by itself.</summary>
    private DateTimeOffset? IdleStopAt()
    {
        if (!CodeServerWanted || IdleTimeout == TimeSpan.Zero)
        {
            return null;
        }

        var from = Later(Record.LastIdeActivityAt, Record.IdleCountdownFrom) ?? Core.CreatedAt;
        return from + IdleTimeout;
    }

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    /// <summary>The countdown begins again (code-server started or asked to start); written with the caller's change.</summary>
    private void RestartIdleCountdown()
    {
        Record.IdleCountdownFrom = Time.GetUtcNow();
        _warnedFor = null;
    }

    /// <summary>
    /// Puts the container into the idle watch once per activation while code-server should run; a failure is
    /// retried at the next activity or change.
    /// </summary>
    private async Task EnsureIdleWatchedAsync()
    {
        if (_idleWatched || IdleStopAt() is not { } stopAt)
        {
            return;
        }

        var warnAt = stopAt - _idle.IdleWarning;
        try
        {
            await GrainFactory.GetGrain<IIdleWatchGrain>(IdleWatch.PartitionOf(ContainerId)).WatchAsync(ContainerId, warnAt);
            _idleWatched = true;
        }
        catch (Exception ex)
        {
            LogIdleWatchFailed(Logger, ContainerId, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Container {ContainerId}: code-server stopped after {IdleTimeout} without IDE activity (last at {LastActivityAt})")]
    private static partial void LogStoppedForIdle(ILogger logger, long containerId, TimeSpan idleTimeout, DateTimeOffset? lastActivityAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container {ContainerId} could not join the idle watch; its next activity or change retries: {Reason}")]
    private static partial void LogIdleWatchFailed(ILogger logger, long containerId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container {ContainerId}: the last IDE activity was not written at deactivation: {Reason}")]
    private static partial void LogActivityNotWritten(ILogger logger, long containerId, string reason);
}

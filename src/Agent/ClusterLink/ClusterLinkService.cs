using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.Identity;
using ZlhGrind.Agent.Outbox;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Workloads;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.ClusterLink;

/// <summary>
/// The agent's side of the agent link (DESIGN §5): connect (which also registers the observer),
/// heartbeat with the workload's snapshot, fetch the desired spec when a hint or a heartbeat ack
/// shows a newer generation, deliver the outbox in order, re-subscribe on a timer, after a
/// reconnect and when the ack asks. Every failure just means "not linked": the workload goes on
/// supervising, and the link retries with doubling delays.
/// </summary>
internal sealed partial class ClusterLinkService : BackgroundService
{
    private readonly IClusterClient _client;
    private readonly IServiceProvider _services;
    private readonly AgentInfo _info;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private UsageSampler _sampler = null!;
    private readonly AgentObserver _observer;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<DesiredSpec> _specs = Channel.CreateBounded<DesiredSpec>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private ClusterLinkOptions _options = new();
    private IWorkload _workload = null!;
    private AgentOutbox _outbox = null!;
    private IContainerGrain _grain = null!;
    private UsageWatch? _usageWatch;
    private long _containerId;
    private IAgentObserver? _observerReference;
    private bool _linked;
    private long _hinted;
    private long _queuedGeneration;
    private TimeSpan _interval;
    private TimeSpan _retryDelay;
    private DateTimeOffset _nextHeartbeat;
    private DateTimeOffset _subscribedAt;

    /// <summary>The outbox number of this agent's DeletionFinished, once the deletion is done (0 before).</summary>
    private long _deletionSequence;

    /// <summary>Set once the grain took the DeletionFinished: the container is gone and the link is no longer used.</summary>
    private bool _deleted;

    // Options and the workload are resolved when the link starts, after the host validated every
    // option: resolving them here would report only the first bad section.
    public ClusterLinkService(
        IClusterClient client,
        IServiceProvider services,
        AgentInfo info,
        TimeProvider time,
        ILogger<ClusterLinkService> logger)
    {
        _client = client;
        _services = services;
        _info = info;
        _time = time;
        _logger = logger;

        // Held in a field for the life of the link: the client keeps observers only weakly.
        _observer = new AgentObserver(OnSpecChanged);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var agent = _services.GetRequiredService<IOptions<AgentOptions>>().Value;
        _options = _services.GetRequiredService<IOptions<ClusterLinkOptions>>().Value;
        _workload = _services.GetRequiredService<IWorkload>();
        _outbox = _services.GetRequiredService<AgentOutbox>();
        _usageWatch = _services.GetService<UsageWatch>();

        // The game's usage reporter samples on its tick and the heartbeat reports that sample; a dev agent samples here.
        _sampler = _services.GetService<UsageSampler>() ?? new UsageSampler(_time);
        _interval = _options.HeartbeatInterval;
        _retryDelay = _options.ConnectRetryDelay;
        _containerId = agent.ContainerId;
        _grain = agent.Kind == AgentOptions.DevKind
            ? _client.GetGrain<IDevContainerGrain>(_containerId)
            : _client.GetGrain<IGameServerGrain>(_containerId);
        _observerReference = _client.CreateObjectReference<IAgentObserver>(_observer);
        var applier = ApplySpecsAsync(stoppingToken);
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            _specs.Writer.TryComplete();
            _client.DeleteObjectReference<IAgentObserver>(_observerReference);
            await applier;
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!_linked)
            {
                if (!await ConnectAsync())
                {
                    await WaitAsync(_retryDelay, includeEvents: false, cancellationToken);
                    _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, _options.ConnectRetryMaxDelay.Ticks));
                    continue;
                }

                _retryDelay = _options.ConnectRetryDelay;
            }

            if (_time.GetUtcNow() >= _nextHeartbeat)
            {
                _nextHeartbeat = _time.GetUtcNow() + _interval;
                await HeartbeatAsync();
            }

            if (_linked)
            {
                await FlushOutboxAsync();
            }

            if (_deleted)
            {
                // The grain revoked the credential with this ack: nothing more may be sent, and nothing is left to run.
                LogDeleted(_logger, _containerId);
                _services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
                return;
            }

            if (_linked && Interlocked.Read(ref _hinted) > _queuedGeneration)
            {
                await FetchSpecAsync();
            }

            if (_linked && _time.GetUtcNow() - _subscribedAt >= _options.ResubscribeInterval)
            {
                await ConnectAsync();
            }

            if (_linked)
            {
                await WaitAsync(_nextHeartbeat - _time.GetUtcNow(), includeEvents: true, cancellationToken);
            }
        }
    }

    /// <summary>Connects or re-subscribes: the grain stores the observer and answers with the spec and what it already applied.</summary>
    private async Task<bool> ConnectAsync()
    {
        try
        {
            var session = await _grain.ConnectAgentAsync(new AgentHello(_info.InstanceId, _info.Version, _info.StartedAt), _observerReference!);
            _subscribedAt = _time.GetUtcNow();
            if (session.HeartbeatInterval > TimeSpan.Zero)
            {
                _interval = session.HeartbeatInterval;
            }

            _outbox.Acknowledge(session.LastAppliedSequence, droppedReported: 0);
            QueueSpec(session.Spec);
            if (!_linked)
            {
                _linked = true;
                _nextHeartbeat = _time.GetUtcNow();
                LogLinked(_logger, _containerId, session.Spec.Generation, _outbox.Count);
            }

            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Unlinked(ex);
            return false;
        }
    }

    private async Task HeartbeatAsync()
    {
        var snapshot = _workload.Snapshot();
        // A sample from the last two heartbeat intervals is fresh enough (the usage tick may run a little late).
        var (cpu, rss) = _sampler.Current(snapshot.Pid, _interval * 2);
        var heartbeat = new Heartbeat(
            _info.InstanceId, snapshot.ObservedGeneration, _time.GetUtcNow(), snapshot.Pid, snapshot.Uptime,
            cpu, rss, _info.Version, snapshot.Game, snapshot.Dev);
        HeartbeatAck ack;
        try
        {
            ack = await _grain.HeartbeatAsync(heartbeat);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Unlinked(ex);
            return;
        }

        // The ack's generation is the fallback for a lost hint: no command is missed.
        InterlockedMax(ref _hinted, ack.DesiredGeneration);
        _usageWatch?.Observe(ack.UsageWatchedUntil);
        if (ack.ResubscribeObserver)
        {
            LogResubscribe(_logger, _containerId);
            await ConnectAsync();
        }
    }

    private async Task FetchSpecAsync()
    {
        try
        {
            QueueSpec(await _grain.GetDesiredSpecAsync());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Unlinked(ex);
        }
    }

    /// <summary>Delivers waiting events in order until none are left, the grain stops taking them, or the link fails.</summary>
    private async Task FlushOutboxAsync()
    {
        while (_outbox.NextReport(_info.InstanceId) is { } report)
        {
            ReportAck ack;
            try
            {
                ack = await _grain.ReportAsync(report);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Unlinked(ex);
                return;
            }

            foreach (var reason in ack.Rejected ?? [])
            {
                LogRejected(_logger, _containerId, reason);
            }

            _outbox.Acknowledge(ack.AppliedThrough, report.DroppedEvents);
            var deletion = Interlocked.Read(ref _deletionSequence);
            if (deletion > 0 && ack.AppliedThrough >= deletion)
            {
                _deleted = true;
                return;
            }

            if (report.Events.Count > 0 && ack.AppliedThrough < report.Events[^1].Sequence)
            {
                // The grain took less than it was sent; try the rest with the next heartbeat instead of spinning.
                LogBehind(_logger, _containerId, ack.AppliedThrough, report.Events[^1].Sequence);
                return;
            }
        }
    }

    private void QueueSpec(DesiredSpec spec)
    {
        InterlockedMax(ref _hinted, spec.Generation);
        if (spec.Generation > _queuedGeneration)
        {
            _queuedGeneration = spec.Generation;
            _specs.Writer.TryWrite(spec);
        }
    }

    /// <summary>Hands specs to the workload one at a time, newest wins; a slow apply never holds up heartbeats.</summary>
    private async Task ApplySpecsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var spec in _specs.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    if (spec.Deletion is { } deletion)
                    {
                        await DeleteAsync(deletion, cancellationToken);
                        return;
                    }

                    await _workload.ApplyAsync(spec, cancellationToken);
                    LogApplied(_logger, _containerId, spec.Generation);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogApplyFailed(_logger, ex, _containerId, spec.Generation);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    /// <summary>Carries out a deletion once, then queues the confirmation; the link stops once the grain took it.</summary>
    private async Task DeleteAsync(DeletionDesired deletion, CancellationToken cancellationToken)
    {
        LogDeleting(_logger, _containerId, deletion.KeepData);
        DeletionOutcome outcome;
        try
        {
            outcome = await _workload.DeleteAsync(deletion.KeepData, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Reported, not retried: the grain finishes and says the data was not removed, and why.
            outcome = new DeletionOutcome(DataRemoved: false, ex.Message);
        }

        _services.GetRequiredService<IAgentEvents>().Publish((sequence, at) =>
        {
            Interlocked.Exchange(ref _deletionSequence, sequence);
            return new DeletionFinished(sequence, at, outcome.DataRemoved, outcome.Reason);
        });
        _wake.Writer.TryWrite(true);
    }

    private void OnSpecChanged(long generation)
    {
        InterlockedMax(ref _hinted, generation);
        _wake.Writer.TryWrite(true);
    }

    private void Unlinked(Exception ex)
    {
        if (ex is CallerRejectedException or ContainerNotFoundException)
        {
            // Not a network problem: say so plainly, every time, without the credential.
            LogRefused(_logger, _containerId, ex.GetType().Name, ex.Message);
        }
        else if (_linked)
        {
            LogLost(_logger, _containerId, ex.GetType().Name, ex.Message);
        }

        _linked = false;
    }

    private async Task WaitAsync(TimeSpan delay, bool includeEvents, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var waits = new List<Task>
        {
            Task.Delay(delay, _time, stop.Token),
            _wake.Reader.WaitToReadAsync(stop.Token).AsTask(),
        };
        if (includeEvents && _outbox.Count == 0)
        {
            waits.Add(_outbox.WaitForEventsAsync(stop.Token));
        }

        await Task.WhenAny(waits);
        await stop.CancelAsync();
        _wake.Reader.TryRead(out _);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Linked to the cluster as container {ContainerId} (desired generation {Generation}, {PendingEvents} events waiting)")]
    private static partial void LogLinked(ILogger logger, long containerId, long generation, int pendingEvents);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the cluster link of container {ContainerId} ({ErrorType}: {Reason}); supervision continues, events are queued")]
    private static partial void LogLost(ILogger logger, long containerId, string errorType, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The cluster refused the agent of container {ContainerId} ({ErrorType}: {Reason}); check Agent:ContainerId and the credential file")]
    private static partial void LogRefused(ILogger logger, long containerId, string errorType, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container {ContainerId} is being deleted (keep data: {KeepData}): stopping the workload")]
    private static partial void LogDeleting(ILogger logger, long containerId, bool keepData);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container {ContainerId} is deleted: the cluster took the confirmation; the agent stops and its credential no longer works")]
    private static partial void LogDeleted(ILogger logger, long containerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Container {ContainerId}: the grain asked for the observer again")]
    private static partial void LogResubscribe(ILogger logger, long containerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container {ContainerId} refused an event: {Reason}")]
    private static partial void LogRejected(ILogger logger, long containerId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container {ContainerId} applied events through {AppliedThrough} of {Sent}; retrying later")]
    private static partial void LogBehind(ILogger logger, long containerId, long appliedThrough, long sent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Container {ContainerId} applied desired spec generation {Generation}")]
    private static partial void LogApplied(ILogger logger, long containerId, long generation);

    [LoggerMessage(Level = LogLevel.Error, Message = "Container {ContainerId} could not apply desired spec generation {Generation}")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception, long containerId, long generation);
}

using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// Polls the cluster's <see cref="IIdeSessionFeedGrain"/> every <see cref="IdeTunnelOptions.SessionFeedPollInterval"/>
/// and drops the cached lookups of every container it reports changed (all of them when the feed restarted or this
/// gateway fell behind). Each answered poll lets the cache keep the rest past its TTL; when polls stop being
/// answered, the cache falls back to the TTL by itself. One small grain call per second, whatever the fleet size.
/// </summary>
internal sealed partial class IdeSessionFeed(
    ClusterReadiness readiness,
    IGrainFactory grains,
    IdeSessionCache cache,
    TimeProvider timeProvider,
    IOptions<IdeTunnelOptions> options,
    ILogger<IdeSessionFeed> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly List<(long AfterPoll, TaskCompletionSource Done)> _waiters = [];
    private long _pollsStarted;
    private Guid _epoch;
    private long _version;

    /// <summary>Completes when a poll begun after this call has been answered and applied (tests wait on it).</summary>
    internal Task NextPollAppliedAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((_pollsStarted, done));
        }

        return done.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.SessionFeedPollInterval;
        if (interval == TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, timeProvider);
        var failing = false;
        do
        {
            // Before the Orleans client has connected it cannot name the grain; the cache keeps to its TTL meanwhile.
            if (!readiness.IsConnected)
            {
                continue;
            }

            long poll;
            lock (_gate)
            {
                poll = ++_pollsStarted;
            }

            var started = timeProvider.GetTimestamp();
            try
            {
                var changes = await grains.GetGrain<IIdeSessionFeedGrain>(IIdeSessionFeedGrain.Key).ChangesSinceAsync(_epoch, _version);
                if (!changes.Complete)
                {
                    cache.ForgetAll();
                }
                else if (changes.ContainerIds.Count > 0)
                {
                    cache.Forget(changes.ContainerIds);
                }

                _epoch = changes.Epoch;
                _version = changes.Version;
                cache.FeedAnswered(started);
                if (failing)
                {
                    LogFeedBack(logger);
                    failing = false;
                }

                Applied(poll);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The cache falls back to its TTL on its own; say so once, not every second.
                if (!failing)
                {
                    LogFeedFailed(logger, exception.GetType().Name, exception.Message);
                    failing = true;
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private void Applied(long poll)
    {
        lock (_gate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].AfterPoll < poll)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "IDE session feed not answering ({ErrorType}: {Reason}); session lookups are trusted for the cache TTL only until it is back")]
    private static partial void LogFeedFailed(ILogger logger, string errorType, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "IDE session feed answering again")]
    private static partial void LogFeedBack(ILogger logger);
}

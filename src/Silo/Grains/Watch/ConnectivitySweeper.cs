using Microsoft.Extensions.Options;
using ZlhGrind.Silo.Grains.Containers;
using ZlhGrind.Silo.Grains.DevContainers;

namespace ZlhGrind.Silo.Grains.Watch;

/// <summary>
/// Every silo sweeps every partition of the watch each <see cref="ContainerOptions.WatchSweepPeriod"/> (real time),
/// so the watch needs no reminder and comes back with the first silo after a restart, whatever the storage. A
/// partition swept by two silos at once runs one sweep.
/// </summary>
internal sealed partial class ConnectivitySweeper(IGrainFactory grains, IOptions<ContainerOptions> options, ILogger<ConnectivitySweeper> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly TaskCompletionSource _firstSweep = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private TaskCompletionSource _nextCleanSweep = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once this silo swept every partition once (a barrier for tests and health checks).</summary>
    public Task FirstSweep => _firstSweep.Task;

    /// <summary>
    /// Completes at the end of the first sweep begun after this was read in which every partition answered: after a
    /// silo loss, the moment the partitions it held are active elsewhere and asked their containers.
    /// </summary>
    public Task NextCleanSweep => Volatile.Read(ref _nextCleanSweep).Task;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ConnectivitySweeper), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    public void Dispose() => _stop.Dispose();

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(LoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(options.Value.WatchSweepPeriod);
        try
        {
            do
            {
                await SweepAllAsync();
                _firstSweep.TrySetResult();
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The silo stops.
        }
    }

    private async Task SweepAllAsync()
    {
        var waiting = Interlocked.Exchange(ref _nextCleanSweep, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var sweeps = new Task[ConnectivityWatch.Partitions + IdleWatch.Partitions];
        for (var partition = 0; partition < ConnectivityWatch.Partitions; partition++)
        {
            sweeps[partition] = grains.GetGrain<IConnectivityWatchGrain>(partition).SweepAsync();
        }

        // The idle culling of code-server rides the same sweep (issue 18): its deadlines need no timers either.
        for (var partition = 0; partition < IdleWatch.Partitions; partition++)
        {
            sweeps[ConnectivityWatch.Partitions + partition] = grains.GetGrain<IIdleWatchGrain>(partition).SweepAsync();
        }

        try
        {
            await Task.WhenAll(sweeps);
            waiting.TrySetResult();
        }
        catch (Exception ex) when (!_stop.IsCancellationRequested)
        {
            // Swept again next period; a partition that failed keeps its entries and their passed deadlines.
            LogSweepFailed(logger, ex.Message);
            _ = NextCleanSweep.ContinueWith(_ => waiting.TrySetResult(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            // The silo is stopping; the partitions go with it.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A connectivity sweep failed; the next one retries: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZlhGrind.Agent.ClusterLink;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Usage;

/// <summary>
/// Samples the game server's usage on every <see cref="UsageOptions.FastInterval"/> tick (the heartbeat reports that
/// sample), turns it into the points that are due and reports new points to the grain; points wait in the collector while the cluster is unreachable.
/// </summary>
internal sealed partial class UsageReporter(
    Action sample,
    UsageCollector collector,
    UsageWatch watch,
    UsageOptions options,
    Func<IGameServerGrain> grain,
    TimeProvider time,
    ILogger<UsageReporter> logger) : BackgroundService
{
    private bool _failureLogged;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.FastInterval, time);
        do
        {
            await TickAsync();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One tick: sample what is due, report what waits.</summary>
    internal async Task TickAsync()
    {
        sample();
        if (!collector.Tick(time.GetUtcNow(), watch.IsWatched(time.GetUtcNow())) || collector.Pending() is not { } report)
        {
            return;
        }

        try
        {
            var ack = await grain().ReportUsageAsync(report);
            collector.Reported(report);
            watch.Observe(ack.FastUntil);
            _failureLogged = false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Unreachable or refused: the points wait for the next tick; one line per outage, not one per tick.
            if (!_failureLogged)
            {
                _failureLogged = true;
                LogReportFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage points could not be reported; they are kept and sent again")]
    private static partial void LogReportFailed(ILogger logger, Exception exception);
}

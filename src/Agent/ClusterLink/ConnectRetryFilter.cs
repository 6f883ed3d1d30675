using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Agent.ClusterLink;

/// <summary>Keeps retrying the first connection to the cluster (the workload is already supervising meanwhile), with doubling delays.</summary>
internal sealed partial class ConnectRetryFilter(IOptions<ClusterLinkOptions> options, TimeProvider time, ILogger<ConnectRetryFilter> logger) : IClientConnectionRetryFilter
{
    private TimeSpan _delay = options.Value.ConnectRetryDelay;
    private int _attempt;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        _attempt++;
        LogRetry(logger, _attempt, _delay, exception.Message);
        try
        {
            await Task.Delay(_delay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, options.Value.ConnectRetryMaxDelay.Ticks));
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot reach the cluster (attempt {Attempt}); retrying in {RetryDelay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, TimeSpan retryDelay, string reason);
}

using Microsoft.Extensions.Options;

namespace ZlhGrind.Gateway.Cluster;

/// <summary>Keeps trying to reach the cluster at start instead of failing the gateway: silos may come up later.</summary>
internal sealed class ClusterConnectRetryFilter(
    IOptions<ClusterConnectionOptions> options,
    TimeProvider timeProvider,
    ILogger<ClusterConnectRetryFilter> logger) : IClientConnectionRetryFilter
{
    private int _attempt;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _attempt);
        logger.LogWarning(
            "Cluster not reachable (attempt {Attempt}, mode {ClusterMode}): {Reason}; retrying",
            attempt,
            options.Value.Mode,
            exception.Message);
        try
        {
            await Task.Delay(options.Value.ConnectRetryDelay, timeProvider, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        return !cancellationToken.IsCancellationRequested;
    }
}

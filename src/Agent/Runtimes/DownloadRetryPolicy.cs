namespace ZlhGrind.Agent.Runtimes;

/// <summary>The wait before each retry of a download: the configured backoff, doubled per attempt, capped.</summary>
internal static class DownloadRetryPolicy
{
    /// <summary>The wait after failed attempt number <paramref name="failedAttempt"/> (1-based).</summary>
    public static TimeSpan DelayAfter(int failedAttempt, RuntimeInstallOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempt, 1);
        var delay = options.RetryBackoff;
        for (var i = 1; i < failedAttempt && delay < options.MaxRetryBackoff; i++)
        {
            delay += delay;
        }

        return delay > options.MaxRetryBackoff ? options.MaxRetryBackoff : delay;
    }
}

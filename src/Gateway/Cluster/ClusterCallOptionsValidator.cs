namespace ZlhGrind.Gateway.Cluster;

/// <summary>Checks the call keys of the <c>Cluster</c> section at start.</summary>
internal sealed class ClusterCallOptionsValidator() : SectionValidator<ClusterCallOptions>(ClusterCallOptions.SectionName, static (options, failures) => failures
    .Require(options.CallTimeout > TimeSpan.Zero && options.CallTimeout <= MaxCallTimeout, nameof(options.CallTimeout), $"must be above 0 and at most {MaxCallTimeout:c} (got {options.CallTimeout:c}).")
    .Require(options.RetryAfter >= MinRetryAfter, nameof(options.RetryAfter), $"must be at least {MinRetryAfter:c} (got {options.RetryAfter:c}).")
    .Positive(nameof(options.OutageSummaryInterval), options.OutageSummaryInterval))
{
    private static readonly TimeSpan MaxCallTimeout = TimeSpan.FromMinutes(5);

    /// <summary><c>Retry-After</c> counts whole seconds.</summary>
    private static readonly TimeSpan MinRetryAfter = TimeSpan.FromSeconds(1);
}

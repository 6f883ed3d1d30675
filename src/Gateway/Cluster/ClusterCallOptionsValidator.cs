using Microsoft.Extensions.Options;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Gateway.Cluster;

/// <summary>Checks the call keys of the <c>Cluster</c> section at start.</summary>
internal sealed class ClusterCallOptionsValidator : IValidateOptions<ClusterCallOptions>
{
    private static readonly TimeSpan MaxCallTimeout = TimeSpan.FromMinutes(5);

    /// <summary><c>Retry-After</c> counts whole seconds.</summary>
    private static readonly TimeSpan MinRetryAfter = TimeSpan.FromSeconds(1);

    public ValidateOptionsResult Validate(string? name, ClusterCallOptions options) =>
        new OptionsFailures(ClusterCallOptions.SectionName)
            .Require(options.CallTimeout > TimeSpan.Zero && options.CallTimeout <= MaxCallTimeout, nameof(options.CallTimeout), $"must be above 0 and at most {MaxCallTimeout:c} (got {options.CallTimeout:c}).")
            .Require(options.RetryAfter >= MinRetryAfter, nameof(options.RetryAfter), $"must be at least {MinRetryAfter:c} (got {options.RetryAfter:c}).")
            .Positive(nameof(options.OutageSummaryInterval), options.OutageSummaryInterval)
            .Result;
}

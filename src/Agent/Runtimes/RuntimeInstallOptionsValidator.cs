using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.Runtimes;

/// <summary>Refuses download and unpack settings that would make installs hang, loop or accept anything.</summary>
internal sealed class RuntimeInstallOptionsValidator() : SectionValidator<RuntimeInstallOptions>(RuntimeInstallOptions.SectionName, static (options, failures) => failures
    .Require(options.MaxDownloadAttempts is >= 1 and <= 20, nameof(options.MaxDownloadAttempts), $"must be between 1 and 20, not {options.MaxDownloadAttempts}")
    .Require(options.RetryBackoff >= TimeSpan.Zero && options.RetryBackoff <= TimeSpan.FromMinutes(10), nameof(options.RetryBackoff), $"must be between 0 and 10 minutes, not {options.RetryBackoff}")
    .Require(
        options.MaxRetryBackoff >= options.RetryBackoff && options.MaxRetryBackoff <= TimeSpan.FromHours(1),
        nameof(options.MaxRetryBackoff),
        $"must be at least RetryBackoff and at most 1 hour, not {options.MaxRetryBackoff}")
    .Require(options.AttemptTimeout > TimeSpan.Zero, nameof(options.AttemptTimeout), $"must be positive, not {options.AttemptTimeout}")
    .Require(options.MaxArtifactBytes > 0, nameof(options.MaxArtifactBytes), $"must be positive, not {options.MaxArtifactBytes}")
    .Require(options.MaxExtractedBytes > 0, nameof(options.MaxExtractedBytes), $"must be positive, not {options.MaxExtractedBytes}")
    .Require(options.MaxArchiveEntries > 0, nameof(options.MaxArchiveEntries), $"must be positive, not {options.MaxArchiveEntries}")
    .Require(options.VerifyTimeout > TimeSpan.Zero, nameof(options.VerifyTimeout), $"must be positive, not {options.VerifyTimeout}"));

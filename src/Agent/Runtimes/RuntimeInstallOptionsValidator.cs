using Microsoft.Extensions.Options;

namespace ZlhGrind.Agent.Runtimes;

/// <summary>Refuses download and unpack settings that would make installs hang, loop or accept anything.</summary>
internal sealed class RuntimeInstallOptionsValidator : IValidateOptions<RuntimeInstallOptions>
{
    public ValidateOptionsResult Validate(string? name, RuntimeInstallOptions options)
    {
        var errors = new List<string>();
        if (options.MaxDownloadAttempts is < 1 or > 20)
        {
            errors.Add($"{RuntimeInstallOptions.SectionName}:MaxDownloadAttempts must be between 1 and 20, not {options.MaxDownloadAttempts}");
        }

        if (options.RetryBackoff < TimeSpan.Zero || options.RetryBackoff > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{RuntimeInstallOptions.SectionName}:RetryBackoff must be between 0 and 10 minutes, not {options.RetryBackoff}");
        }

        if (options.MaxRetryBackoff < options.RetryBackoff || options.MaxRetryBackoff > TimeSpan.FromHours(1))
        {
            errors.Add($"{RuntimeInstallOptions.SectionName}:MaxRetryBackoff must be at least RetryBackoff and at most 1 hour, not {options.MaxRetryBackoff}");
        }

        if (options.AttemptTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{RuntimeInstallOptions.SectionName}:AttemptTimeout must be positive, not {options.AttemptTimeout}");
        }

        if (options.MaxArtifactBytes <= 0)
        {
            errors.Add($"{RuntimeInstallOptions.SectionName}:MaxArtifactBytes must be positive, not {options.MaxArtifactBytes}");
        }

        if (options.MaxExtractedBytes <= 0)
        {
            errors.Add($"{RuntimeInstallOptions.SectionName}:MaxExtractedBytes must be positive, not {options.MaxExtractedBytes}");
        }

        if (options.MaxArchiveEntries <= 0)
        {
            errors.Add($"{RuntimeInstallOptions.SectionName}:MaxArchiveEntries must be positive, not {options.MaxArchiveEntries}");
        }

        if (options.VerifyTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{RuntimeInstallOptions.SectionName}:VerifyTimeout must be positive, not {options.VerifyTimeout}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

using Microsoft.Extensions.Options;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>Checks the <c>Ide</c> section at start.</summary>
internal sealed class IdeOptionsValidator : IValidateOptions<IdeOptions>
{
    /// <summary>A bootstrap token only has to outlive a redirect.</summary>
    private static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? name, IdeOptions options) =>
        new OptionsFailures(IdeOptions.SectionName)
            .Require(options.TokenLifetime > TimeSpan.Zero && options.TokenLifetime <= MaxTokenLifetime, nameof(options.TokenLifetime), $"must be above 0 and at most {MaxTokenLifetime:c} (got {options.TokenLifetime:c}).")
            .Positive(nameof(options.SessionLifetime), options.SessionLifetime)
            .Between(nameof(options.MaxOpen), options.MaxOpen, 1, 10_000)
            .Result;
}

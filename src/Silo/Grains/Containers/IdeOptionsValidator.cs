namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>Checks the <c>Ide</c> section at start.</summary>
internal sealed class IdeOptionsValidator() : SectionValidator<IdeOptions>(IdeOptions.SectionName, static (options, failures) => failures
    .Require(options.TokenLifetime > TimeSpan.Zero && options.TokenLifetime <= MaxTokenLifetime, nameof(options.TokenLifetime), $"must be above 0 and at most {MaxTokenLifetime:c} (got {options.TokenLifetime:c}).")
    .Positive(nameof(options.SessionLifetime), options.SessionLifetime)
    .Between(nameof(options.MaxOpen), options.MaxOpen, 1, 10_000))
{
    /// <summary>A bootstrap token only has to outlive a redirect.</summary>
    private static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromMinutes(10);
}

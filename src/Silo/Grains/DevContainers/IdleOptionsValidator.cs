using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Silo.Grains.DevContainers;

/// <summary>Checks the idle culling keys of the <c>Ide</c> section at start.</summary>
internal sealed class IdleOptionsValidator() : SectionValidator<IdleOptions>(IdleOptions.SectionName, static (options, failures) => failures
    .Require(options.IdleTimeout >= TimeSpan.Zero && options.IdleTimeout <= IdeIdle.MaxTimeout, nameof(options.IdleTimeout), $"must be between 00:00:00 (never) and {IdeIdle.MaxTimeout:c} (got {options.IdleTimeout:c}).")
    .Between(nameof(options.IdleWarning), options.IdleWarning, TimeSpan.Zero, IdeIdle.MaxTimeout)
    .Require(options.ActivityWriteInterval > TimeSpan.Zero && options.ActivityWriteInterval <= MaxActivityWriteInterval, nameof(options.ActivityWriteInterval), $"must be above 0 and at most {MaxActivityWriteInterval:c} (got {options.ActivityWriteInterval:c})."))
{
    /// <summary>A silo crash forgets at most this much IDE activity.</summary>
    private static readonly TimeSpan MaxActivityWriteInterval = TimeSpan.FromHours(1);
}

using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Silo.Grains.GameServers;

/// <summary>Checks the <c>Usage</c> section at start.</summary>
internal sealed class UsageOptionsValidator() : SectionValidator<UsageOptions>(UsageOptions.SectionName, static (options, failures) => failures
    .Between(nameof(options.MinutePoints), options.MinutePoints, 1, MaxKept)
    .Between(nameof(options.FastPoints), options.FastPoints, 1, MaxKept)
    .Between(nameof(options.WatchDuration), options.WatchDuration, TimeSpan.FromSeconds(10), TimeSpan.FromHours(1))
    .Between(nameof(options.PersistInterval), options.PersistInterval, TimeSpan.FromMinutes(1), TimeSpan.FromHours(24))
    .Between(nameof(options.MaxPointsPerReport), options.MaxPointsPerReport, 1, MaxKept)
    .Require(double.IsFinite(options.MaxCpuPercent) && options.MaxCpuPercent >= 100, nameof(options.MaxCpuPercent), "must be a number of at least 100.")
    .Positive(nameof(options.MaxBytes), options.MaxBytes))
{
    /// <summary>A week of minutes: rings are held in memory by every active grain.</summary>
    private const int MaxKept = 7 * 24 * 60;
}

using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.Usage;

/// <summary>Checks the <c>Agent:Usage</c> section at start.</summary>
internal sealed class UsageOptionsValidator() : SectionValidator<UsageOptions>(UsageOptions.SectionName, static (options, failures) => failures
    .Between(nameof(options.MinuteInterval), options.MinuteInterval, TimeSpan.FromSeconds(10), TimeSpan.FromHours(1))
    .Between(nameof(options.FastInterval), options.FastInterval, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1))
    .Between(nameof(options.DiskInterval), options.DiskInterval, TimeSpan.FromSeconds(10), TimeSpan.FromHours(1))
    .Between(nameof(options.MaxDiskEntries), options.MaxDiskEntries, 1, 10_000_000)
    // The grain takes at most Usage:MaxPointsPerReport (120 by default) of each series per report.
    .Between(nameof(options.MaxPendingPoints), options.MaxPendingPoints, 1, 120));

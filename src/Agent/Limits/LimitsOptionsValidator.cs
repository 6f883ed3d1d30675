using System.Text.RegularExpressions;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.Limits;

/// <summary>Checks the <c>Agent:Limits</c> section at start.</summary>
internal sealed partial class LimitsOptionsValidator() : SectionValidator<LimitsOptions>(LimitsOptions.SectionName, static (options, failures) => failures
    .Require(LimitsModes.TryParse(options.Enforcement, out _), nameof(options.Enforcement), "must be auto, cgroup2, cgroup1, rlimit or none.")
    .Require(Path.IsPathFullyQualified(options.CgroupRoot ?? ""), nameof(options.CgroupRoot), "must be an absolute path.")
    .Require(options.ParentGroup is not null && GroupName().IsMatch(options.ParentGroup), nameof(options.ParentGroup), "must be 1-64 characters of a-z, A-Z, 0-9, '-', '_' and '.', not starting with '.'.")
    .Between(nameof(options.CpuPeriod), options.CpuPeriod, MinCpuPeriod, MaxCpuPeriod)
    .Between(nameof(options.GroupKillTimeout), options.GroupKillTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)))
{
    // The kernel's bounds for cpu.cfs_period_us / cpu.max's period: 1 ms to 1 s.
    private static readonly TimeSpan MinCpuPeriod = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan MaxCpuPeriod = TimeSpan.FromSeconds(1);

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex GroupName();
}

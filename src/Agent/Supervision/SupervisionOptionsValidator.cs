using System.Globalization;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.Supervision;

/// <summary>Checks the supervision policy at start, one clear message per bad value.</summary>
internal sealed class SupervisionOptionsValidator() : SectionValidator<SupervisionOptions>(SupervisionOptions.SectionName, static (options, failures) => failures
    .RestartPolicy(options)
    .Require(options.StopTimeout > TimeSpan.Zero, nameof(options.StopTimeout), $"must be positive (got {options.StopTimeout}).")
    .Require(options.KillTimeout > TimeSpan.Zero, nameof(options.KillTimeout), $"must be positive (got {options.KillTimeout}).")
    .Require(
        options.ReadinessPollInterval > TimeSpan.Zero && options.ReadinessPollInterval <= TimeSpan.FromMinutes(1),
        nameof(options.ReadinessPollInterval),
        $"must be positive and at most 00:01:00 (got {options.ReadinessPollInterval}).")
    .Require(options.LogTailLines is >= 1 and <= 10_000, nameof(options.LogTailLines), $"must be between 1 and 10000 (got {options.LogTailLines.ToString(CultureInfo.InvariantCulture)}).")
    .Require(
        options.LogTailBytes is >= 256 and <= 1024 * 1024,
        nameof(options.LogTailBytes),
        $"must be between 256 and 1048576 (got {options.LogTailBytes.ToString(CultureInfo.InvariantCulture)})."));

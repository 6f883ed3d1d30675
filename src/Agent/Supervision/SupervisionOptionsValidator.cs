using System.Globalization;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Agent.Supervision;

/// <summary>Checks the supervision policy at start, one clear message per bad value.</summary>
internal sealed class SupervisionOptionsValidator : IValidateOptions<SupervisionOptions>
{
    public ValidateOptionsResult Validate(string? name, SupervisionOptions options)
    {
        var failures = new List<string>();
        RestartPolicyRules.AddFailures(SupervisionOptions.SectionName, options, failures);
        if (options.StopTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Agent:Supervision:StopTimeout must be positive (got {options.StopTimeout}).");
        }

        if (options.KillTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Agent:Supervision:KillTimeout must be positive (got {options.KillTimeout}).");
        }

        if (options.ReadinessPollInterval <= TimeSpan.Zero || options.ReadinessPollInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Agent:Supervision:ReadinessPollInterval must be positive and at most 00:01:00 (got {options.ReadinessPollInterval}).");
        }

        if (options.LogTailLines is < 1 or > 10_000)
        {
            failures.Add($"Agent:Supervision:LogTailLines must be between 1 and 10000 (got {options.LogTailLines.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (options.LogTailBytes is < 256 or > 1024 * 1024)
        {
            failures.Add($"Agent:Supervision:LogTailBytes must be between 256 and 1048576 (got {options.LogTailBytes.ToString(CultureInfo.InvariantCulture)}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

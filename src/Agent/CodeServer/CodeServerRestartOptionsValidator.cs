using Microsoft.Extensions.Options;
using ZlhGrind.Agent.Supervision;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>Refuses a code-server restart policy that could never work, naming the full key and the bad value.</summary>
internal sealed class CodeServerRestartOptionsValidator : IValidateOptions<CodeServerRestartOptions>
{
    public ValidateOptionsResult Validate(string? name, CodeServerRestartOptions options)
    {
        const string Section = CodeServerRestartOptions.SectionName;
        var errors = new List<string>();
        if (options.InitialDelay < TimeSpan.Zero)
        {
            errors.Add($"{Section}:InitialDelay must not be negative, not {options.InitialDelay}");
        }

        if (options.MaxDelay < options.InitialDelay)
        {
            errors.Add($"{Section}:MaxDelay must be at least InitialDelay, not {options.MaxDelay}");
        }

        RestartPolicyRules.AddFailures(Section, options, errors, stableUptimeKey: "StableUptime (or ResetAfterUptime)");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

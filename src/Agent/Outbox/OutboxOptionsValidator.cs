using System.Globalization;
using Microsoft.Extensions.Options;
using ZlhGrind.Grains.Agents;

namespace ZlhGrind.Agent.Outbox;

/// <summary>Checks the outbox limits at start, one message per bad value naming its full key.</summary>
internal sealed class OutboxOptionsValidator : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var failures = new List<string>();
        if (options.Capacity < 1)
        {
            failures.Add($"{OutboxOptions.SectionName}:Capacity must be at least 1.");
        }

        if (options.BatchSize is < 1 or > AgentInputLimits.EventsPerReport)
        {
            failures.Add($"{OutboxOptions.SectionName}:BatchSize must be between 1 and {AgentInputLimits.EventsPerReport.ToString(CultureInfo.InvariantCulture)} (the silo refuses larger reports).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

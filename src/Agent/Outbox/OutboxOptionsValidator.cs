using System.Globalization;
using ZlhGrind.Grains.Agents;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.Outbox;

/// <summary>Checks the outbox limits at start, one message per bad value naming its full key.</summary>
internal sealed class OutboxOptionsValidator() : SectionValidator<OutboxOptions>(OutboxOptions.SectionName, static (options, failures) => failures
    .Require(options.Capacity >= 1, nameof(options.Capacity), "must be at least 1.")
    .Require(
        options.BatchSize is >= 1 and <= AgentInputLimits.EventsPerReport,
        nameof(options.BatchSize),
        $"must be between 1 and {AgentInputLimits.EventsPerReport.ToString(CultureInfo.InvariantCulture)} (the silo refuses larger reports)."));

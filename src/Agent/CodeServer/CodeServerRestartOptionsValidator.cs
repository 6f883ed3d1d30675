using ZlhGrind.Agent.Supervision;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>Refuses a code-server restart policy that could never work, naming the full key and the bad value.</summary>
internal sealed class CodeServerRestartOptionsValidator() : SectionValidator<CodeServerRestartOptions>(CodeServerRestartOptions.SectionName, static (options, failures) => failures
    .Require(options.InitialDelay >= TimeSpan.Zero, nameof(options.InitialDelay), $"must not be negative, not {options.InitialDelay}")
    .Require(options.MaxDelay >= options.InitialDelay, nameof(options.MaxDelay), $"must be at least InitialDelay, not {options.MaxDelay}")
    .RestartPolicy(options, stableUptimeKey: "StableUptime (or ResetAfterUptime)"));

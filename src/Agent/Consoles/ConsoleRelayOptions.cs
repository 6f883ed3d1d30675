using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.Consoles;

/// <summary>The agent's console relay (section "Agent:Console"; README: "Configuration (agent, every container and game servers)").</summary>
public sealed class ConsoleRelayOptions
{
    public const string SectionName = "Agent:Console";

    /// <summary>How often the agent registers its console with the cluster again (after a reconnect or a grain's move).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the log is looked at while watched when no change notice came.</summary>
    public TimeSpan TailPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Output slices queued for the cluster; past it the oldest are dropped (and read back as history).</summary>
    public int QueuedSlices { get; set; } = 256;
}

/// <summary>Checks the <c>Agent:Console</c> section at start.</summary>
internal sealed class ConsoleRelayOptionsValidator() : SectionValidator<ConsoleRelayOptions>(ConsoleRelayOptions.SectionName, static (options, failures) => failures
    .Positive(nameof(options.RefreshInterval), options.RefreshInterval)
    .Positive(nameof(options.TailPollInterval), options.TailPollInterval)
    .Positive(nameof(options.QueuedSlices), options.QueuedSlices));

namespace ZlhGrind.Agent.Outbox;

/// <summary>How many undelivered events the agent keeps, and how many go in one report.</summary>
internal sealed class OutboxOptions
{
    public const string SectionName = "Agent:Outbox";

    /// <summary>Beyond this the oldest event is dropped (and counted in the next report).</summary>
    public int Capacity { get; set; } = 1000;

    public int BatchSize { get; set; } = 100;
}

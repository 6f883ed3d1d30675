using ZlhGrind.Grains.Agents;

namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>Checks the <c>Containers</c> section at start.</summary>
internal sealed class ContainerOptionsValidator() : SectionValidator<ContainerOptions>(ContainerOptions.SectionName, static (options, failures) => failures
    .Positive(nameof(options.HeartbeatInterval), options.HeartbeatInterval)
    .Positive(nameof(options.WatchSweepPeriod), options.WatchSweepPeriod)
    .Between(nameof(options.MissedHeartbeats), options.MissedHeartbeats, 1, 100)
    .Between(nameof(options.CrashHistoryLimit), options.CrashHistoryLimit, 1, MaxKept)
    .Between(nameof(options.EventReplayBuffer), options.EventReplayBuffer, 1, MaxKept)
    .Between(nameof(options.EventPublishTimeout), options.EventPublishTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1))
    .Between(nameof(options.MaxLogTailBytes), options.MaxLogTailBytes, MinLogTailBytes, AgentInputLimits.CrashLogTail)
    .Between(nameof(options.ReportBurst), options.ReportBurst, 1, MaxBurst)
    .Positive(nameof(options.ReportRefill), options.ReportRefill)
    .Between(nameof(options.HeartbeatBurst), options.HeartbeatBurst, 1, MaxBurst)
    .Positive(nameof(options.HeartbeatRefill), options.HeartbeatRefill)
    .NotNegative(nameof(options.MaxAgentClockSkew), options.MaxAgentClockSkew)
    .NotNegative(nameof(options.MaxAgentScheduleAhead), options.MaxAgentScheduleAhead)
    .Between(nameof(options.DeleteAgentGrace), options.DeleteAgentGrace, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)))
{
    private const int MaxKept = 10_000;

    private const int MaxBurst = 100_000;

    private const int MinLogTailBytes = 1024;
}

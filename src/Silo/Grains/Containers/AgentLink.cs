using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>
/// The agent-link protocol of one container: an agent process is one instance numbering its events from 1, so an
/// event at or below the applied number is a resend and skipped, a new instance starts the numbering again, and after
/// the agent dropped events the next transition may skip states it never reported (resync). Kind-specific meaning
/// comes from <paramref name="apply"/>; the numbers live in the grain's stored <see cref="ContainerCore"/>.
/// </summary>
/// <param name="core">The stored facts (read each time: the grain's record may be replaced).</param>
/// <param name="apply">Applies one event to the record (no write); throws <see cref="InvalidTransitionException"/> or <see cref="InvalidRequestException"/> to refuse it.</param>
/// <param name="containerId">The container, for the log.</param>
/// <param name="logger">The grain's logger: refusals are logged under its category.</param>
internal sealed partial class AgentLink(Func<ContainerCore> core, Func<AgentEvent, bool, LiveEvent?> apply, long containerId, ILogger logger)
{
    /// <summary>True when <paramref name="instanceId"/> is not the agent process the applied numbers belong to.</summary>
    public bool IsNewInstance(Guid instanceId) => instanceId != core().AgentInstance;

    /// <summary>The applied number an agent instance may trust: 0 for one this container has not heard from.</summary>
    public long AppliedFor(Guid instanceId) => IsNewInstance(instanceId) ? 0 : core().AppliedSequence;

    /// <summary>Makes <paramref name="instanceId"/> the current agent process; true when it was another one.</summary>
    public bool Adopt(Guid instanceId)
    {
        if (!IsNewInstance(instanceId))
        {
            return false;
        }

        // A new agent process numbers its events from 1 again.
        var stored = core();
        stored.AgentInstance = instanceId;
        stored.AppliedSequence = 0;
        return true;
    }

    /// <summary>
    /// Applies the events of <paramref name="report"/> not applied yet, in order, and counts what the agent dropped
    /// (no write). A refused event is skipped for good: it is reported back, and the number moves past it.
    /// </summary>
    public ReportOutcome Apply(AgentReport report)
    {
        Adopt(report.InstanceId);
        var stored = core();
        List<string>? rejected = null;
        List<LiveEvent>? published = null;

        // After the agent dropped events, the next transition may skip states it never reported.
        var resync = report.DroppedEvents > 0;
        foreach (var agentEvent in report.Events)
        {
            if (agentEvent is null || agentEvent.Sequence <= stored.AppliedSequence)
            {
                continue;
            }

            try
            {
                if (apply(agentEvent, resync) is { } live)
                {
                    (published ??= []).Add(live);
                }

                resync = false;
            }
            catch (Exception ex) when (ex is InvalidTransitionException or InvalidRequestException)
            {
                (rejected ??= []).Add($"#{agentEvent.Sequence}: {ex.Message}");
                LogEventRejected(logger, containerId, agentEvent.Sequence, ex.Message);
            }

            stored.AppliedSequence = agentEvent.Sequence;
        }

        stored.DroppedEvents += report.DroppedEvents;
        return new ReportOutcome(published, rejected);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container {ContainerId} refused agent event {Sequence}: {Reason}")]
    private static partial void LogEventRejected(ILogger logger, long containerId, long sequence, string reason);
}

/// <summary>What a report changed: the live events to publish and the refusals to send back (null when none).</summary>
internal readonly record struct ReportOutcome(List<LiveEvent>? Published, List<string>? Rejected);

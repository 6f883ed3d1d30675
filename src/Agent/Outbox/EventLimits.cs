using ZlhGrind.Grains.Agents;

namespace ZlhGrind.Agent.Outbox;

/// <summary>
/// Keeps every event within what the silo takes (<see cref="AgentInputLimits"/>): the silo refuses an event over a
/// limit, and a refused "now in Error" would leave the portal showing a state the container left long ago. Reasons
/// keep their start (where the cause is named), log tails their end (where the process died).
/// </summary>
internal static class EventLimits
{
    private const string Cut = "…";

    public static AgentEvent Bounded(AgentEvent agentEvent) => agentEvent switch
    {
        GameStateChanged changed when TooLong(changed.Reason) => changed with { Reason = Head(changed.Reason!) },
        DevStateChanged changed when TooLong(changed.Reason) => changed with { Reason = Head(changed.Reason!) },
        RuntimeInstallFinished installed when TooLong(installed.Reason) => installed with { Reason = Head(installed.Reason!) },
        CodeServerChanged codeServer when TooLong(codeServer.Reason) => codeServer with { Reason = Head(codeServer.Reason!) },
        GameCrashed crashed when crashed.Crash.LogTail is { Length: > AgentInputLimits.CrashLogTail } tail =>
            crashed with { Crash = crashed.Crash with { LogTail = tail[^AgentInputLimits.CrashLogTail..] } },
        _ => agentEvent,
    };

    private static bool TooLong(string? reason) => reason is { Length: > AgentInputLimits.Reason };

    private static string Head(string reason) => reason[..(AgentInputLimits.Reason - Cut.Length)] + Cut;
}

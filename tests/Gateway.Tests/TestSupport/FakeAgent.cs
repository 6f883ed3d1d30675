using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.Tests.TestSupport;

/// <summary>
/// Plays a dev container's agent through the real grain interface with the real agent credential (there is no
/// agent process in these tests): reports lifecycle events and sends heartbeats naming the IDE endpoint.
/// </summary>
public sealed class FakeAgent(IClusterClient client, long containerId, string credential, TimeProvider clock)
{
    private readonly Guid _instance = Guid.NewGuid();
    private long _sequence;

    private IDevContainerGrain Grain => client.GetGrain<IDevContainerGrain>(containerId);

    /// <summary>Installing → Ready, code-server running at <paramref name="endpoint"/>, then a heartbeat.</summary>
    public async Task BecomeReadyAsync(string endpoint)
    {
        await ReportAsync(
            new DevStateChanged(++_sequence, clock.GetUtcNow(), DevContainerState.Installing, null),
            new DevStateChanged(++_sequence, clock.GetUtcNow(), DevContainerState.Ready, null),
            new CodeServerChanged(++_sequence, clock.GetUtcNow(), CodeServerState.Running, endpoint, null));
        await BeatAsync(CodeServerState.Running, endpoint);
    }

    /// <summary>A code-server change stamped <paramref name="at"/> by the agent's clock (a hostile agent picks any).</summary>
    public Task ReportCodeServerAsync(CodeServerState state, string? endpoint, DateTimeOffset at) =>
        ReportAsync(new CodeServerChanged(++_sequence, at, state, endpoint, null));

    /// <summary>The agent's confirmation of a deletion: workload stopped, data removed.</summary>
    public Task ReportDeletionFinishedAsync() =>
        ReportAsync(new DeletionFinished(++_sequence, clock.GetUtcNow(), DataRemoved: true, null));

    public Task ReportStateAsync(DevContainerState state) =>
        ReportAsync(new DevStateChanged(++_sequence, clock.GetUtcNow(), state, "test"));

    public async Task BeatAsync(CodeServerState codeServer, string? endpoint, DevContainerState state = DevContainerState.Ready)
    {
        ActAsAgent();
        await Grain.HeartbeatAsync(new Heartbeat(
            _instance, 0, clock.GetUtcNow(), 4242, TimeSpan.FromMinutes(1), 1.5, 64L * 1024 * 1024, "test-agent", null,
            new DevObserved(state, codeServer, endpoint, [], null)));
    }

    private async Task ReportAsync(params AgentEvent[] events)
    {
        ActAsAgent();
        var ack = await Grain.ReportAsync(new AgentReport(_instance, events, 0));
        if (ack.AppliedThrough != _sequence || ack.Rejected is { Count: > 0 })
        {
            throw new InvalidOperationException("The grain refused the agent's events: " + string.Join("; ", ack.Rejected ?? []));
        }
    }

    private void ActAsAgent()
    {
        // Set on this async flow only; it does not leak back into the caller's context.
        RequestContext.Set(CallContextKeys.AgentContainerId, containerId);
        RequestContext.Set(CallContextKeys.AgentCredential, credential);
    }
}

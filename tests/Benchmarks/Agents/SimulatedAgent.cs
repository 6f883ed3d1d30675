using ZlhGrind.Benchmarks.Cluster;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Benchmarks.Agents;

/// <summary>A provisioned game container and the agent credential it was given, as seen through one client.</summary>
internal sealed class SimulatedAgent(long containerId, string credential, IContainerGrain grain)
{
    private readonly Heartbeat _heartbeat = new(
        Guid.NewGuid(), 0, DateTimeOffset.UnixEpoch, 4242, TimeSpan.FromMinutes(10), 3.5, 256L * 1024 * 1024, "bench",
        new GameObserved(GameServerState.Running, 0, null), null);

    public long ContainerId { get; } = containerId;

    public string Credential { get; } = credential;

    public IContainerGrain Grain { get; } = grain;

    public Guid InstanceId => _heartbeat.InstanceId;

    /// <summary>One heartbeat as the agent of this container (its own id and credential in the request context).</summary>
    public ValueTask<HeartbeatAck> HeartbeatAsync()
    {
        CallAs.Agent(ContainerId, Credential);
        return Grain.HeartbeatAsync(_heartbeat);
    }

    /// <summary>Rebinds the same agent to another client connection.</summary>
    public SimulatedAgent Through(IClusterClient client) => new(ContainerId, Credential, client.GetGrain<IGameServerGrain>(ContainerId));
}

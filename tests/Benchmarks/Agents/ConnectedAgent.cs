using ZlhGrind.Benchmarks.Cluster;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Benchmarks.Agents;

/// <summary>
/// An agent with a connection of its own, as a real agent has: its own client, a registered observer
/// (kept strongly referenced, or calls to it would hang) and heartbeats under its own credential.
/// </summary>
internal sealed class ConnectedAgent : IAsyncDisposable, IAgentObserver
{
    private readonly OrleansClient _connection;
    private IAgentObserver? _reference;

    private ConnectedAgent(OrleansClient connection, SimulatedAgent agent)
    {
        _connection = connection;
        Agent = agent;
    }

    public SimulatedAgent Agent { get; }

    public static Task<ConnectedAgent> ConnectAsync(SimulatedAgent provisioned, int gatewayPort, string clusterId, CancellationToken cancellationToken) =>
        ConnectAsync(provisioned.ContainerId, provisioned.Credential, gatewayPort, clusterId, cancellationToken);

    /// <summary>Connects the agent of container <paramref name="containerId"/> (a load-generator child knows only its id and credential).</summary>
    public static async Task<ConnectedAgent> ConnectAsync(long containerId, string credential, int gatewayPort, string clusterId, CancellationToken cancellationToken)
    {
        var connection = await OrleansClient.ConnectAsync([gatewayPort], clusterId, TimeSpan.FromSeconds(30), cancellationToken);
        var agent = new ConnectedAgent(connection, new SimulatedAgent(containerId, credential, connection.Client.GetGrain<IGameServerGrain>(containerId)));
        agent._reference = connection.Client.CreateObjectReference<IAgentObserver>(agent);
        CallAs.Agent(containerId, credential);
        await connection.Client.GetGrain<IGameServerGrain>(containerId)
            .ConnectAgentAsync(new AgentHello(agent.Agent.InstanceId, "bench", DateTimeOffset.UtcNow), agent._reference);
        return agent;
    }

    public Task DesiredSpecChanged(long generation) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_reference is not null)
        {
            _connection.Client.DeleteObjectReference<IAgentObserver>(_reference);
        }

        await _connection.DisposeAsync();
    }
}

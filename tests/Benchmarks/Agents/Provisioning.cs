using ZlhGrind.Benchmarks.Cluster;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Benchmarks.Agents;

/// <summary>Creates game containers through the real grain API, as the gateway would.</summary>
internal static class Provisioning
{
    public static readonly Actor Owner = new("bench", IsOperator: false);

    private static readonly GameServerSpec Spec = new("generic", "java -Xmx1G -jar server.jar nogui", "stop", 2048);

    public static async Task<IReadOnlyList<SimulatedAgent>> GameContainersAsync(
        IClusterClient client, string serviceKey, long firstId, int count, CancellationToken cancellationToken)
    {
        var agents = new SimulatedAgent[count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
            async (i, _) =>
            {
                var id = firstId + i;
                var grain = client.GetGrain<IGameServerGrain>(id);
                CallAs.GatewayWithKey(serviceKey);
                var result = await grain.ProvisionAsync(Owner, Spec);
                agents[i] = new SimulatedAgent(id, result.AgentCredential, grain);
            });
        return agents;
    }
}

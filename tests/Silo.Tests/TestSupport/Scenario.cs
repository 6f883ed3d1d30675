using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Silo.Tests.TestSupport;

/// <summary>
/// Short ways to set up the situations tests start from, through the real grain interfaces. The request
/// context they set does not flow back to the caller (it is async-local), so a test says who it calls as.
/// </summary>
internal static class Scenario
{
    public static readonly Actor Alice = new("alice", IsOperator: false);
    public static readonly Actor Bob = new("bob", IsOperator: false);
    public static readonly Actor Ops = new("ops", IsOperator: true);

    public static GameServerSpec Minecraft { get; } = new("generic", "java -Xmx1G -jar server.jar nogui", "stop", 2048);

    public static RuntimeEntry Node(string version = "22.1.0") => new(
        "node",
        version,
        $"http://127.0.0.1:8090/runtimes/node-{version}.tar.gz",
        new string('a', 64),
        1024,
        "bin",
        ["bin/node", "--version"]);

    public static async Task<(IGameServerGrain Grain, string Credential)> GameAsync(IClusterClient client, Actor? owner = null, long? id = null)
    {
        CallAs.Gateway();
        var grain = client.GetGrain<IGameServerGrain>(id ?? Ids.Next());
        var result = await grain.ProvisionAsync(owner ?? Alice, Minecraft);
        return (grain, result.AgentCredential);
    }

    public static async Task<(IDevContainerGrain Grain, string Credential)> DevAsync(IClusterClient client, Actor? owner = null, bool codeServer = true)
    {
        CallAs.Operator();
        await client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).AddAsync(Node());
        CallAs.Gateway();
        var grain = client.GetGrain<IDevContainerGrain>(Ids.Next());
        var result = await grain.ProvisionAsync(owner ?? Alice, new DevContainerSpec("node", null, codeServer));
        return (grain, result.AgentCredential);
    }

    /// <summary>Reports game transitions as the agent, in order, numbering them from <paramref name="firstSequence"/>.</summary>
    public static async Task<ReportAck> ReportStatesAsync(IGameServerGrain grain, string credential, Guid instance, long firstSequence, params GameServerState[] states)
    {
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var events = states.Select((s, i) => (AgentEvent)new GameStateChanged(firstSequence + i, DateTimeOffset.UnixEpoch, s, null)).ToArray();
        return await grain.ReportAsync(new AgentReport(instance, events, 0));
    }

    public static Heartbeat Heartbeat(Guid instance, long observedGeneration = 0) =>
        new(instance, observedGeneration, DateTimeOffset.UnixEpoch, 4242, TimeSpan.FromMinutes(1), 12.5, 512L * 1024 * 1024, "test", null, null);
}

/// <summary>A real observer object registered with the cluster; records the hints it receives.</summary>
internal sealed class RecordingObserver : IAgentObserver
{
    private readonly TaskCompletionSource<long> _hint = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<long> FirstHint => _hint.Task;

    /// <summary>The request-context keys the hint arrived with (none of them may be a caller's secret).</summary>
    public IReadOnlyCollection<string> ContextKeys { get; private set; } = [];

    public Task DesiredSpecChanged(long generation)
    {
        ContextKeys = RequestContext.Keys.ToArray();
        _hint.TrySetResult(generation);
        return Task.CompletedTask;
    }
}

using System.Text.Json;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Hostile;

/// <summary>
/// One silo on real TCP and the clients a hostile tenant could build from Grains.Abstractions alone: one with no
/// credential at all, one with container A's agent credential. A gateway client (service key) sets the scene and
/// reads what is stored. Containers: game A and B (Alice's), dev D (Bob's).
/// </summary>
public sealed class HostileTenantFixture : IAsyncLifetime
{
    private LocalSilo? _silo;
    private LocalClient? _gateway;
    private LocalClient? _anonymous;
    private LocalClient? _agentA;

    public IClusterClient Gateway => _gateway!.Client;

    public IClusterClient Anonymous => _anonymous!.Client;

    public IClusterClient AgentA => _agentA!.Client;

    public long A { get; private set; }

    public long B { get; private set; }

    public long D { get; private set; }

    public string CredentialA { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _silo = await LocalSilo.StartAsync(TestClusters.Configuration());
        _gateway = await _silo.ConnectAsync(c => c.AddOutgoingGrainCallFilter(new ServiceKeyCallFilter(CallAs.ServiceKey)).AddMemoryStreams(ContainerEvents.StreamProvider));
        var a = await Gateway.GetGrain<IGameServerGrain>(Ids.Next()).ProvisionAsync(Alice, Minecraft);
        var b = await Gateway.GetGrain<IGameServerGrain>(Ids.Next()).ProvisionAsync(Alice, Minecraft);
        using (OperatorScope.Enter())
        {
            await Gateway.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).AddAsync(Node());
        }

        var d = await Gateway.GetGrain<IDevContainerGrain>(Ids.Next()).ProvisionAsync(Bob, new DevContainerSpec("node", null, true));
        (A, B, D, CredentialA) = (a.ContainerId, b.ContainerId, d.ContainerId, a.AgentCredential);

        _anonymous = await _silo.ConnectAsync(c => c.AddMemoryStreams(ContainerEvents.StreamProvider));
        _agentA = await _silo.ConnectAsync(c => c.AddOutgoingGrainCallFilter(new AgentCredentialCallFilter(A, CredentialA)).AddMemoryStreams(ContainerEvents.StreamProvider));
    }

    /// <summary>Another client with A's credential, for a test that breaks its own connection.</summary>
    internal Task<LocalClient> ConnectAsAgentOfAAsync() =>
        _silo!.ConnectAsync(c => c.AddOutgoingGrainCallFilter(new AgentCredentialCallFilter(A, CredentialA))
            .Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5)));

    /// <summary>What is stored of a container, read by the gateway: status and (for games) the crash history.</summary>
    public async Task<string> ViewAsync(long id)
    {
        IContainerGrain grain = id == D ? Gateway.GetGrain<IDevContainerGrain>(id) : Gateway.GetGrain<IGameServerGrain>(id);
        var status = await grain.GetStatusAsync(Ops);
        var crashes = grain is IGameServerGrain game ? await game.GetCrashesAsync(Ops) : [];
        return JsonSerializer.Serialize(new { status, crashes });
    }

    public async Task DisposeAsync()
    {
        foreach (var client in new[] { _agentA, _anonymous, _gateway })
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }
        }

        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }
}

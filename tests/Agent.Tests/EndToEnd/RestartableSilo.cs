using Microsoft.Extensions.Configuration;
using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Agent.Tests.EndToEnd;

/// <summary>
/// A real ZlhGrind silo in this process (<see cref="LocalSilo"/>) with SQLite storage in a file and a client acting as
/// the gateway, on ports kept across restarts, so it can be stopped and started again with its state (the embedded
/// default of DESIGN §7) while an agent process keeps the same address.
/// </summary>
internal sealed class RestartableSilo(string database, Action<ISiloBuilder>? configure = null) : IAsyncDisposable
{
    public const string ServiceKey = "agent-e2e-service-key-0123456789";
    private const string ClusterId = "zlhgrind";
    private readonly (int Silo, int Gateway) _ports = (FreePorts.Next(), FreePorts.Next());
    private LocalSilo? _silo;
    private LocalClient? _gateway;

    public int GatewayPort => _ports.Gateway;

    /// <summary>A client acting as the gateway (service key), for provisioning and power actions.</summary>
    public IClusterClient Gateway => _gateway?.Client ?? throw new InvalidOperationException("The silo is not running.");

    public async Task StartAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cluster:ServiceKey"] = ServiceKey,
            ["Storage:Provider"] = "Sqlite",
            ["Storage:SqlitePath"] = database,
            ["Containers:HeartbeatInterval"] = "00:00:01",
        }.With(TestTls.Silo());
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        _silo = await LocalSilo.StartAsync(configuration, clusterId: ClusterId, configure: configure, ports: _ports);
        _gateway = await _silo.ConnectAsync(client => client.AddOutgoingGrainCallFilter(new ServiceKeyCallFilter(ServiceKey)), ClusterId);
    }

    public async Task StopAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
            _gateway = null;
        }

        if (_silo is not null)
        {
            await _silo.DisposeAsync();
            _silo = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}

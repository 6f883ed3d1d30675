using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZlhGrind.ClusterTls;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Silo.Hosting;

namespace ZlhGrind.Agent.Tests.EndToEnd;

/// <summary>
/// A real ZlhGrind silo in this process on fixed loopback ports, with SQLite storage in a file, so it
/// can be stopped and started again with its state (the embedded default of DESIGN §7).
/// </summary>
internal sealed class LocalSilo : IAsyncDisposable
{
    public const string ServiceKey = "agent-e2e-service-key-0123456789";
    private readonly string _database;
    private readonly int _siloPort = FreePort();
    private readonly Action<ISiloBuilder>? _configure;
    private IHost? _silo;
    private IHost? _gateway;

    public LocalSilo(string database, Action<ISiloBuilder>? configure = null)
    {
        _database = database;
        _configure = configure;
        GatewayPort = FreePort();
    }

    public int GatewayPort { get; }

    /// <summary>A client acting as the gateway (service key), for provisioning and power actions.</summary>
    public IClusterClient Gateway => _gateway?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("The silo is not running.");

    public async Task StartAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cluster:ServiceKey"] = ServiceKey,
            ["Storage:Provider"] = "Sqlite",
            ["Storage:SqlitePath"] = _database,
            ["Containers:HeartbeatInterval"] = "00:00:01",
        };
        foreach (var (key, value) in TestTls.Silo())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        _silo = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(_siloPort, GatewayPort, serviceId: "zlhgrind", clusterId: "zlhgrind");
                silo.AddZlhGrind(configuration);
                _configure?.Invoke(silo);
            })
            .Build();
        await _silo.StartAsync();

        _gateway = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .UseOrleansClient(client =>
            {
                client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, GatewayPort));
                client.Configure<Orleans.Configuration.ClusterOptions>(o =>
                {
                    o.ClusterId = "zlhgrind";
                    o.ServiceId = "zlhgrind";
                });
                client.AddOutgoingGrainCallFilter(new ServiceKeyCallFilter(ServiceKey));
                client.UseClusterTls(new ConfigurationBuilder().AddInMemoryCollection(TestTls.Gateway()).Build());
            })
            .Build();
        await _gateway.StartAsync();
    }

    public async Task StopAsync()
    {
        await StopHost(_gateway);
        _gateway = null;
        await StopHost(_silo);
        _silo = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static async Task StopHost(IHost? host)
    {
        if (host is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await host.StopAsync(timeout.Token);
        host.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

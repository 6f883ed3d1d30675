using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using ZlhGrind.Silo.Hosting;

namespace ZlhGrind.Silo.Tests.TestSupport;

/// <summary>
/// A silo host as the silo process builds it — real TCP on loopback, localhost or PostgreSQL
/// clustering — for tests that need real client connections or real membership.
/// </summary>
internal sealed class LocalSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private LocalSilo(IHost host, int gatewayPort)
    {
        _host = host;
        GatewayPort = gatewayPort;
    }

    public int GatewayPort { get; }

    public IServiceProvider Services => _host.Services;

    public static async Task<LocalSilo> StartAsync(IConfiguration configuration, string? postgres = null, string clusterId = "zlh-test", TimeProvider? time = null)
    {
        var siloPort = FreePort();
        var gatewayPort = FreePort();
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo =>
        {
            if (postgres is null)
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: clusterId, clusterId: clusterId);
            }
            else
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = clusterId;
                });
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = postgres;
                });
                silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort, listenOnAnyHostAddress: false);
            }

            if (time is not null)
            {
                silo.UseGrainClock(time);
            }

            silo.AddZlhGrind(configuration);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new LocalSilo(host, gatewayPort);
    }

    /// <summary>Starts a client connected to this silo's gateway, configured by <paramref name="configure"/>.</summary>
    public async Task<LocalClient> ConnectAsync(Action<IClientBuilder> configure, string clusterId = "zlh-test")
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, GatewayPort));
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = clusterId;
            });
            configure(client);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new LocalClient(host);
    }

    public async Task StopAsync() => await _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A client host; disposing it closes the connection.</summary>
internal sealed class LocalClient(IHost host) : IAsyncDisposable
{
    public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}

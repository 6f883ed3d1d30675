using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using ZlhGrind.ClusterTls;
using ZlhGrind.Silo.Hosting;

namespace ZlhGrind.Testing;

/// <summary>
/// A silo host as the silo process builds it — real TCP on loopback, localhost or PostgreSQL
/// clustering — for tests that need real client connections or real membership. It logs only to the provider a
/// test gives.
/// </summary>
public sealed class LocalSilo : IAsyncDisposable
{
    /// <summary>How long a stop may take before the host is abandoned (a test's own failure must not hang the run).</summary>
    internal static readonly TimeSpan StopBound = TimeSpan.FromSeconds(20);

    private readonly IHost _host;

    private readonly bool _tls;

    private bool _stopped;

    private LocalSilo(IHost host, int siloPort, int gatewayPort, bool tls)
    {
        _host = host;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        _tls = tls;
    }

    /// <summary>The silo-to-silo port.</summary>
    public int SiloPort { get; }

    public int GatewayPort { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>
    /// Starts a silo on <paramref name="ports"/> (free ones when null; a test that restarts a silo with its state keeps
    /// them), after <c>AddZlhGrind</c> applying <paramref name="configure"/>.
    /// </summary>
    public static async Task<LocalSilo> StartAsync(
        IConfiguration configuration,
        string? postgres = null,
        string clusterId = "zlh-test",
        ILoggerProvider? logs = null,
        TimeProvider? time = null,
        Action<ISiloBuilder>? configure = null,
        (int Silo, int Gateway)? ports = null)
    {
        var (siloPort, gatewayPort) = ports ?? (FreePorts.Next(), FreePorts.Next());
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

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
            configure?.Invoke(silo);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new LocalSilo(host, siloPort, gatewayPort, configuration.GetValue<bool>("Cluster:Tls:Enabled"));
    }

    /// <summary>
    /// Starts a client connected to this silo's gateway, configured by <paramref name="configure"/>; over TLS with the
    /// run's CA when the silo runs TLS, unless <paramref name="tls"/> gives the client's own Cluster:Tls settings.
    /// </summary>
    public async Task<LocalClient> ConnectAsync(Action<IClientBuilder> configure, string clusterId = "zlh-test", IConfiguration? tls = null)
    {
        var host = BuildClient(configure, clusterId, tls, logs: null);
        await host.StartAsync();
        return new LocalClient(host);
    }

    /// <summary>
    /// A client host that is not started yet, for tests that watch a connection being refused: Orleans keeps retrying
    /// a refused gateway for minutes, so such a test waits for the first refusal in <paramref name="logs"/> instead.
    /// </summary>
    public IHost BuildClient(Action<IClientBuilder> configure, string clusterId, IConfiguration? tls, ILoggerProvider? logs)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, GatewayPort));
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = clusterId;
            });
            if (tls is not null || _tls)
            {
                client.UseClusterTls(tls ?? TestTls.Client());
            }

            configure(client);
        });
        return builder.Build();
    }

    public Task StopAsync() => StopAsync(_host);

    /// <summary>
    /// Stops the silo without grace (the shutdown's token is cancelled from the start): no activation is deactivated
    /// or handed over and nothing is written, so the cluster loses what it held in memory, as in a crash.
    /// </summary>
    public async Task KillAsync()
    {
        _stopped = true;
        try
        {
            await _host.StopAsync(new CancellationToken(canceled: true));
        }
        catch (OperationCanceledException)
        {
            // Expected: nothing was allowed to finish.
        }

        _host.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await StopAsync(_host);
        _host.Dispose();
    }

    internal static async Task StopAsync(IHost host)
    {
        using var bound = new CancellationTokenSource(StopBound);
        await host.StopAsync(bound.Token);
    }
}

/// <summary>A client host; disposing it closes the connection.</summary>
public sealed class LocalClient(IHost host) : IAsyncDisposable
{
    public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

    public async ValueTask DisposeAsync()
    {
        await LocalSilo.StopAsync(host);
        host.Dispose();
    }
}

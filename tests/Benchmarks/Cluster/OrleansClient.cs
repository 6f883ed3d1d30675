using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using ZlhGrind.ClusterTls;

namespace ZlhGrind.Benchmarks.Cluster;

/// <summary>One Orleans client connection (its own host, as an agent or a gateway process has).</summary>
internal sealed class OrleansClient : IAsyncDisposable
{
    private readonly IHost _host;

    private OrleansClient(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Connects to the given loopback gateways (over TLS with <paramref name="tls"/>'s Cluster:Tls settings when given), retrying until <paramref name="within"/> has passed.</summary>
    public static async Task<OrleansClient> ConnectAsync(
        IReadOnlyList<int> gatewayPorts, string clusterId, TimeSpan within, CancellationToken cancellationToken, TimeSpan? responseTimeout = null, IConfiguration? tls = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(within.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var host = new HostBuilder()
                .UseOrleansClient(client =>
                {
                    client.UseStaticClustering(gatewayPorts.Select(p => new IPEndPoint(IPAddress.Loopback, p)).ToArray());
                    client.Configure<ClusterOptions>(o =>
                    {
                        o.ClusterId = clusterId;
                        o.ServiceId = clusterId;
                    });
                    if (tls is not null)
                    {
                        client.UseClusterTls(tls);
                    }

                    if (responseTimeout is { } timeout)
                    {
                        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = timeout);
                    }
                })
                .Build();
            try
            {
                await host.StartAsync(cancellationToken);
                return new OrleansClient(host);
            }
            catch (Exception) when (Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
            {
                host.Dispose();
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _host.StopAsync(stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // A client whose silo is gone cannot say goodbye; dropping it is enough.
        }

        _host.Dispose();
    }
}

using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using ZlhGrind.Silo.Hosting;

namespace ZlhGrind.Benchmarks.Cluster;

/// <summary>
/// The silo process of the failover scenario: the real grains, authorization and PostgreSQL storage
/// (<c>AddZlhGrind</c>) with PostgreSQL membership whose failure detection is tuned. The silo program does not
/// read membership settings from configuration, so the benchmark hosts the same parts itself.
/// </summary>
internal static class BenchSilo
{
    public const string ReadyLine = "zlh-bench-silo: ready";

    /// <summary>
    /// Failure detection: a probe every second, a silo suspected after 2 missed probes, and one vote is enough
    /// because in a two-silo cluster the survivor is the only voter. The table refresh bounds how late a silo
    /// that missed the gossip learns of the death.
    /// </summary>
    public static void TuneMembership(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = TimeSpan.FromSeconds(1);
        options.NumMissedProbesLimit = 2;
        options.NumVotesForDeathDeclaration = 1;
        options.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        options.ExtendProbeTimeoutDuringDegradation = false;
    }

    public const string TunedMembershipDescription =
        "ProbeTimeout 1 s, NumMissedProbesLimit 2, NumVotesForDeathDeclaration 1, TableRefreshTimeout 2 s";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var configuration = builder.Configuration;
        var clusterId = configuration["Bench:ClusterId"] ?? throw new InvalidOperationException("Bench:ClusterId is not set");
        var siloPort = configuration.GetValue<int>("Bench:SiloPort");
        var gatewayPort = configuration.GetValue<int>("Bench:GatewayPort");
        var postgres = configuration["Storage:ConnectionString"] ?? throw new InvalidOperationException("Storage:ConnectionString is not set");

        builder.UseOrleans(silo =>
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
            silo.Configure<ClusterMembershipOptions>(TuneMembership);
            silo.AddZlhGrind(configuration);
        });

        using var host = builder.Build();
        await host.StartAsync();
        Console.WriteLine(ReadyLine);
        await host.WaitForShutdownAsync();
        return 0;
    }
}

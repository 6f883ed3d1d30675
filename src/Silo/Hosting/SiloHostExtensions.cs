using System.Net;
using Orleans.Configuration;
using Orleans.Dashboard;
using Serilog.Events;
using ZlhGrind.ServiceDefaults;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Hosting;

/// <summary>The silo process: Serilog, clustering, grains and the dashboard.</summary>
internal static class SiloHostExtensions
{
    public const string ClusterId = "zlhgrind";
    public const string ServiceId = "zlhgrind";

    /// <summary>The shared Serilog set-up; the framework, Orleans and Polly speak only from Warning.</summary>
    public static WebApplicationBuilder AddSiloLogging(this WebApplicationBuilder builder)
    {
        builder.AddZlhLogging("silo", new Dictionary<string, LogEventLevel>
        {
            ["Microsoft.AspNetCore"] = LogEventLevel.Warning,
            ["Orleans"] = LogEventLevel.Warning,
            ["Polly"] = LogEventLevel.Warning,
        });
        return builder;
    }

    /// <summary>Hosts the silo: PostgreSQL membership for production, localhost clustering for the embedded default.</summary>
    public static WebApplicationBuilder AddZlhSilo(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var storage = StorageOptions.From(configuration);
        var siloPort = configuration.GetValue("Cluster:SiloPort", 11111);
        var gatewayPort = configuration.GetValue("Cluster:GatewayPort", 30000);
        var advertised = IPAddress.Parse(configuration.GetValue("Cluster:AdvertisedAddress", "127.0.0.1")!);

        builder.UseOrleans(silo =>
        {
            if (storage.Provider == StorageProvider.Postgres)
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = ClusterId;
                    o.ServiceId = ServiceId;
                });
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = StorageExtensions.PostgresInvariant;
                    o.ConnectionString = storage.ConnectionString;
                });
                silo.ConfigureEndpoints(advertised, siloPort, gatewayPort, listenOnAnyHostAddress: false);
            }
            else
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: ServiceId, clusterId: ClusterId);
            }

            // Failure detection is the operator's trade-off (speed of failover against false suspicions).
            silo.Configure<ClusterMembershipOptions>(configuration.GetSection("Cluster:Membership"));
            silo.AddZlhGrind(configuration);
            silo.AddDashboard();
        });

        builder.WebHost.UseUrls(configuration.GetValue("Dashboard:Url", "http://127.0.0.1:8081")!);
        builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    /// <summary>The dashboard and health endpoints.</summary>
    public static WebApplication MapZlhSiloEndpoints(this WebApplication app)
    {
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        app.MapGet("/healthz", () => Results.Text("ok"));
        return app;
    }
}

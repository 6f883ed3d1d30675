using System.Net;
using Orleans.Configuration;
using Orleans.Dashboard;
using Serilog;
using Serilog.Formatting.Compact;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Hosting;

/// <summary>The silo process: Serilog, clustering, grains and the dashboard.</summary>
internal static class SiloHostExtensions
{
    public const string ClusterId = "zlhgrind";
    public const string ServiceId = "zlhgrind";

    /// <summary>Readable console in Development, compact JSON (one event per line, Loki-ready) otherwise.</summary>
    public static WebApplicationBuilder AddZlhLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration)
                .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
                .MinimumLevel.Override("Orleans", Serilog.Events.LogEventLevel.Warning)
                .MinimumLevel.Override("Polly", Serilog.Events.LogEventLevel.Warning)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Service", "silo");
            if (builder.Environment.IsDevelopment())
            {
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] silo: {Message:lj}{NewLine}{Exception}");
            }
            else
            {
                logger.WriteTo.Console(new CompactJsonFormatter());
            }
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

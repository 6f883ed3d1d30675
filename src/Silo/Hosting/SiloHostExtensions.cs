using System.Net;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Serilog.Events;
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
        var services = builder.Services;
        services.AddOptions<SiloEndpointOptions>().BindConfiguration(SiloEndpointOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SiloEndpointOptions>, SiloEndpointOptionsValidator>();
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DashboardOptions>, DashboardOptionsValidator>();

        // The clustering kind shapes the registrations, so it is chosen while building; StorageOptionsValidator
        // checks the same section at start.
        var storage = StorageOptions.Bind(configuration);
        var postgres = storage.Provider == StorageProvider.Postgres;
        builder.UseOrleans(silo =>
        {
            if (postgres)
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
            }
            else
            {
                silo.UseLocalhostClustering(serviceId: ServiceId, clusterId: ClusterId);
            }

            // Ports and address from the validated options, applied after the clustering's defaults (the localhost
            // membership reads its primary endpoint from these when it starts).
            silo.Services.AddOptions<EndpointOptions>().Configure<IOptions<SiloEndpointOptions>>((endpoints, settings) =>
            {
                endpoints.SiloPort = settings.Value.SiloPort;
                endpoints.GatewayPort = settings.Value.GatewayPort;
                if (postgres)
                {
                    endpoints.AdvertisedIPAddress = IPAddress.Parse(settings.Value.AdvertisedAddress);
                }
            });

            // Failure detection is the operator's trade-off (speed of failover against false suspicions).
            silo.Configure<ClusterMembershipOptions>(configuration.GetSection("Cluster:Membership"));
            silo.AddZlhGrind(configuration);
            silo.AddDashboard();
        });

        // Kestrel parses the URL when it starts, after the options were validated.
        builder.WebHost.UseUrls((configuration.GetSection(DashboardOptions.SectionName).Get<DashboardOptions>() ?? new DashboardOptions()).Url);
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

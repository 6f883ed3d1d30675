using Microsoft.Extensions.Options;
using Orleans.Configuration;
using ZlhGrind.ClusterTls;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Events;

namespace ZlhGrind.Gateway.Cluster;

/// <summary>Registers the gateway's Orleans client.</summary>
public static class ClusterExtensions
{
    /// <summary>
    /// Connects to the cluster described by the <c>Cluster</c> section. A host that registered its own
    /// <see cref="IClusterClient"/> beforehand (an in-process test cluster) keeps it.
    /// </summary>
    public static WebApplicationBuilder AddGatewayCluster(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ClusterConnectionOptions>()
            .BindConfiguration(ClusterConnectionOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ClusterConnectionOptions>, ClusterConnectionOptionsValidator>();
        builder.Services.AddSingleton<ContainerKinds>();
        builder.Services.AddSingleton<ClusterReadiness>();
        ClusterOutageMonitor.AddServices(builder.Services);

        foreach (var service in builder.Services)
        {
            if (service.ServiceType == typeof(IClusterClient))
            {
                return builder;
            }
        }

        var settings = builder.Configuration.GetSection(ClusterConnectionOptions.SectionName).Get<ClusterConnectionOptions>() ?? new ClusterConnectionOptions();

        // Started alongside Kestrel so /healthz answers while the cluster is still out of reach.
        builder.Services.Configure<HostOptions>(o => o.ServicesStartConcurrently = true);
        builder.UseOrleansClient(client =>
        {
            switch (settings.Mode)
            {
                case ClusterMode.Localhost:
                    client.UseLocalhostClustering(settings.GatewayPort, settings.ServiceId, settings.ClusterId);
                    break;
                case ClusterMode.Static:
                    client.Configure<ClusterOptions>(o =>
                    {
                        o.ClusterId = settings.ClusterId;
                        o.ServiceId = settings.ServiceId;
                    });
                    client.UseStaticClustering(settings.TryGetGateways(out var endpoints) ? endpoints : []);
                    break;
                case ClusterMode.Postgres:
                    client.Configure<ClusterOptions>(o =>
                    {
                        o.ClusterId = settings.ClusterId;
                        o.ServiceId = settings.ServiceId;
                    });
                    client.UseAdoNetClustering(o =>
                    {
                        o.Invariant = "Npgsql";
                        o.ConnectionString = settings.ConnectionString;
                    });
                    break;
                default:
                    throw new OptionsValidationException(ClusterConnectionOptions.SectionName, typeof(ClusterConnectionOptions), [$"Unknown Cluster:Mode {settings.Mode}."]);
            }

            client.Services.AddSingleton<IClientConnectionRetryFilter, ClusterConnectRetryFilter>();
            client.UseClusterTls(builder.Configuration);
            ClusterOutageMonitor.AddTo(client);
            ConfigureGatewayClient(client, settings.ServiceKey);
        });
        return builder;
    }

    /// <summary>What every gateway client needs whatever its clustering: the service key on each call and the events stream.</summary>
    public static IClientBuilder ConfigureGatewayClient(IClientBuilder client, string serviceKey)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (string.IsNullOrWhiteSpace(serviceKey))
        {
            throw new OptionsValidationException(ClusterConnectionOptions.SectionName, typeof(ClusterConnectionOptions), ["Cluster:ServiceKey is required: silos refuse gateway calls without it."]);
        }

        client.AddOutgoingGrainCallFilter(new ServiceKeyCallFilter(serviceKey));
        client.AddMemoryStreams(ContainerEvents.StreamProvider);

        // Issue 17, the "30 s stalls after a silo dies": the client routes each grain's calls (and its replies to
        // system targets, round robin) through the gateway it picked before, for as long as it believes that gateway
        // alive. It learns otherwise from a failed connect or from re-reading the gateway list, by default once a
        // minute. When the dead silo's connection is not seen to close (a host that vanished, an in-memory test
        // transport), every call routed there waits out Cluster:CallTimeout: the silo-loss test's client log showed
        // RegisterConsumer/UnregisterConsumer to the dead gateway timing out each 5 s for 29 s after the silo was
        // declared dead, while the survivor answered everything. Re-reading the list every few seconds drops a dead
        // gateway within that period of its death being recorded (and closes its connection).
        client.Services.AddOptions<GatewayOptions>().Configure<IOptions<ClusterConnectionOptions>>(
            static (gateways, connection) => gateways.GatewayListRefreshPeriod = connection.Value.GatewayListRefreshPeriod);
        return client;
    }
}

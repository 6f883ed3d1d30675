namespace ZlhGrind.Gateway.Cluster;

/// <summary>The <c>Cluster</c> configuration section: how to reach the silos and the key that proves we are a gateway.</summary>
public sealed class ClusterConnectionOptions
{
    public const string SectionName = "Cluster";

    public ClusterMode Mode { get; set; } = ClusterMode.Localhost;

    public string ClusterId { get; set; } = "zlhgrind";

    public string ServiceId { get; set; } = "zlhgrind";

    /// <summary>The silo client-gateway port in <see cref="ClusterMode.Localhost"/> mode.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Silo gateway endpoints ("host:port") in <see cref="ClusterMode.Static"/> mode.</summary>
    public List<string> Gateways { get; set; } = [];

    /// <summary>The ADO.NET connection string in <see cref="ClusterMode.Postgres"/> mode.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The shared secret of silos and gateways (DESIGN §4).</summary>
    public string ServiceKey { get; set; } = "";

    /// <summary>Pause between attempts while the cluster cannot be reached at start.</summary>
    public TimeSpan ConnectRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the client re-reads the list of live silo gateways (Orleans' own default is 1 minute).</summary>
    public TimeSpan GatewayListRefreshPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Parses <see cref="Gateways"/>; false when one is not an ip:port or there are none.</summary>
    internal bool TryGetGateways(out System.Net.IPEndPoint[] endpoints)
    {
        endpoints = new System.Net.IPEndPoint[Gateways.Count];
        for (var i = 0; i < Gateways.Count; i++)
        {
            if (!System.Net.IPEndPoint.TryParse(Gateways[i], out var endpoint) || endpoint.Port == 0)
            {
                return false;
            }

            endpoints[i] = endpoint;
        }

        return endpoints.Length > 0;
    }
}

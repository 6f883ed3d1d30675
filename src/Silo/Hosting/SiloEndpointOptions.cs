namespace ZlhGrind.Silo.Hosting;

/// <summary>Where this silo listens and how other silos and clients reach it (keys of the <c>Cluster</c> section).</summary>
internal sealed class SiloEndpointOptions
{
    public const string SectionName = "Cluster";

    /// <summary>The silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port clients (gateways, agents) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this one at (PostgreSQL membership; localhost clustering uses loopback).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
}

namespace ZlhGrind.Gateway.Hosting;

/// <summary>
/// The <c>Proxy</c> section: the TLS-terminating reverse proxies in front of the gateway, whose X-Forwarded-For and
/// X-Forwarded-Proto are trusted (so the IDE cookie is Secure behind HTTPS). Empty means none is trusted.
/// </summary>
public sealed class ProxyOptions
{
    public const string SectionName = "Proxy";

    /// <summary>Proxy addresses (IP literals).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Proxy networks (CIDR).</summary>
    public List<string> KnownNetworks { get; set; } = [];
}

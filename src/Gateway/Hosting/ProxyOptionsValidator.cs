using System.Net;

namespace ZlhGrind.Gateway.Hosting;

/// <summary>Checks the <c>Proxy</c> section at start.</summary>
internal sealed class ProxyOptionsValidator() : SectionValidator<ProxyOptions>(ProxyOptions.SectionName, static (options, failures) => failures
    .Each(nameof(options.KnownProxies), options.KnownProxies, static p => IPAddress.TryParse(p, out _), "an IP address")
    .Each(nameof(options.KnownNetworks), options.KnownNetworks, static n => IPNetwork.TryParse(n, out _), "a CIDR network"));

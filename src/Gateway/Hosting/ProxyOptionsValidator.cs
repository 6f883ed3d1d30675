using System.Net;
using Microsoft.Extensions.Options;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Gateway.Hosting;

/// <summary>Checks the <c>Proxy</c> section at start.</summary>
internal sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options) =>
        new OptionsFailures(ProxyOptions.SectionName)
            .Each(nameof(options.KnownProxies), options.KnownProxies, static p => IPAddress.TryParse(p, out _), "an IP address")
            .Each(nameof(options.KnownNetworks), options.KnownNetworks, static n => IPNetwork.TryParse(n, out _), "a CIDR network")
            .Result;
}

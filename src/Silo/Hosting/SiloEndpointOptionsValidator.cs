using System.Net;
using Microsoft.Extensions.Options;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Silo.Hosting;

/// <summary>Checks the silo's endpoint keys of the <c>Cluster</c> section at start.</summary>
internal sealed class SiloEndpointOptionsValidator : IValidateOptions<SiloEndpointOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloEndpointOptions options) =>
        new OptionsFailures(SiloEndpointOptions.SectionName)
            .Port(nameof(options.SiloPort), options.SiloPort)
            .Port(nameof(options.GatewayPort), options.GatewayPort)
            .Require(options.SiloPort != options.GatewayPort, nameof(options.GatewayPort), $"must differ from Cluster:SiloPort (both {options.SiloPort}).")
            .Require(IPAddress.TryParse(options.AdvertisedAddress, out _), nameof(options.AdvertisedAddress), $"must be an IP address (got '{options.AdvertisedAddress}').")
            .Result;
}

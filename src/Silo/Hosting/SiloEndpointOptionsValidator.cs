using System.Net;

namespace ZlhGrind.Silo.Hosting;

/// <summary>Checks the silo's endpoint keys of the <c>Cluster</c> section at start.</summary>
internal sealed class SiloEndpointOptionsValidator() : SectionValidator<SiloEndpointOptions>(SiloEndpointOptions.SectionName, static (options, failures) => failures
    .Port(nameof(options.SiloPort), options.SiloPort)
    .Port(nameof(options.GatewayPort), options.GatewayPort)
    .Require(options.SiloPort != options.GatewayPort, nameof(options.GatewayPort), $"must differ from Cluster:SiloPort (both {options.SiloPort}).")
    .Require(IPAddress.TryParse(options.AdvertisedAddress, out _), nameof(options.AdvertisedAddress), $"must be an IP address (got '{options.AdvertisedAddress}')."));

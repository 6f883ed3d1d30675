using Microsoft.Extensions.Options;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Gateway.Cluster;

/// <summary>Checks the connection keys of the <c>Cluster</c> section at start.</summary>
internal sealed class ClusterConnectionOptionsValidator : IValidateOptions<ClusterConnectionOptions>
{
    /// <summary>The shortest service key a gateway accepts; silos ask the same.</summary>
    internal const int MinServiceKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, ClusterConnectionOptions options) =>
        new OptionsFailures(ClusterConnectionOptions.SectionName)
            .Require(Enum.IsDefined(options.Mode), nameof(options.Mode), "must be Localhost, Static or Postgres.")
            .Positive(nameof(options.ConnectRetryDelay), options.ConnectRetryDelay)
            .Require(options.ServiceKey.Length >= MinServiceKeyLength, nameof(options.ServiceKey), $"is required (at least {MinServiceKeyLength} characters): silos refuse gateway calls without it.")
            .Require(options.Mode != ClusterMode.Static || options.TryGetGateways(out _), nameof(options.Gateways), "must list at least one ip:port in Static mode.")
            .Require(options.Mode != ClusterMode.Postgres || !string.IsNullOrWhiteSpace(options.ConnectionString), nameof(options.ConnectionString), "is required in Postgres mode.")
            .Port(nameof(options.GatewayPort), options.GatewayPort)
            .Result;
}

namespace ZlhGrind.Gateway.Cluster;

/// <summary>Checks the connection keys of the <c>Cluster</c> section at start.</summary>
internal sealed class ClusterConnectionOptionsValidator() : SectionValidator<ClusterConnectionOptions>(ClusterConnectionOptions.SectionName, static (options, failures) => failures
    .Require(Enum.IsDefined(options.Mode), nameof(options.Mode), "must be Localhost, Static or Postgres.")
    .Positive(nameof(options.ConnectRetryDelay), options.ConnectRetryDelay)
    .Between(nameof(options.GatewayListRefreshPeriod), options.GatewayListRefreshPeriod, MinGatewayListRefreshPeriod, MaxGatewayListRefreshPeriod)
    .Require(options.ServiceKey.Length >= MinServiceKeyLength, nameof(options.ServiceKey), $"is required (at least {MinServiceKeyLength} characters): silos refuse gateway calls without it.")
    .Require(options.Mode != ClusterMode.Static || options.TryGetGateways(out _), nameof(options.Gateways), "must list at least one ip:port in Static mode.")
    .Require(options.Mode != ClusterMode.Postgres || !string.IsNullOrWhiteSpace(options.ConnectionString), nameof(options.ConnectionString), "is required in Postgres mode.")
    .Port(nameof(options.GatewayPort), options.GatewayPort))
{
    /// <summary>The shortest service key a gateway accepts; silos ask the same.</summary>
    internal const int MinServiceKeyLength = 16;

    private static readonly TimeSpan MinGatewayListRefreshPeriod = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxGatewayListRefreshPeriod = TimeSpan.FromMinutes(5);
}

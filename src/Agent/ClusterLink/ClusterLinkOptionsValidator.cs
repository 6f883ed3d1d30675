using System.Globalization;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.ClusterLink;

/// <summary>Checks the cluster options at start, one clear message per bad value.</summary>
internal sealed class ClusterLinkOptionsValidator() : SectionValidator<ClusterLinkOptions>(ClusterLinkOptions.SectionName, Check)
{
    private static OptionsFailures Check(ClusterLinkOptions options, OptionsFailures failures)
    {
        failures.Require(options.Gateways.Count > 0, nameof(options.Gateways), "must list at least one silo gateway as host:port (e.g. 127.0.0.1:30000).");
        for (var i = 0; i < options.Gateways.Count; i++)
        {
            var parsed = ClusterLinkOptions.TryParseGateway(options.Gateways[i], out var problem) is not null;
            failures.Require(parsed, $"{nameof(options.Gateways)}:{i.ToString(CultureInfo.InvariantCulture)}", $"'{options.Gateways[i]}' {problem}.");
        }

        return failures
            .Require(!string.IsNullOrWhiteSpace(options.ClusterId), nameof(options.ClusterId), "must not be empty.")
            .Require(!string.IsNullOrWhiteSpace(options.ServiceId), nameof(options.ServiceId), "must not be empty.")
            .Require(
                options.HeartbeatInterval >= TimeSpan.FromMilliseconds(100) && options.HeartbeatInterval <= TimeSpan.FromMinutes(5),
                nameof(options.HeartbeatInterval),
                $"must be between 00:00:00.1 and 00:05:00 (got {options.HeartbeatInterval}).")
            .Require(options.ResubscribeInterval > TimeSpan.Zero, nameof(options.ResubscribeInterval), $"must be positive (got {options.ResubscribeInterval}).")
            .Require(options.ConnectRetryDelay > TimeSpan.Zero, nameof(options.ConnectRetryDelay), $"must be positive (got {options.ConnectRetryDelay}).")
            .Require(options.ConnectRetryMaxDelay >= options.ConnectRetryDelay, nameof(options.ConnectRetryMaxDelay), $"must be at least ConnectRetryDelay (got {options.ConnectRetryMaxDelay}).")
            .Require(options.CallTimeout > TimeSpan.Zero, nameof(options.CallTimeout), $"must be positive (got {options.CallTimeout}).");
    }
}

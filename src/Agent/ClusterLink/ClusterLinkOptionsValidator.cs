using System.Globalization;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Agent.ClusterLink;

/// <summary>Checks the cluster options at start, one clear message per bad value.</summary>
internal sealed class ClusterLinkOptionsValidator : IValidateOptions<ClusterLinkOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterLinkOptions options)
    {
        var failures = new List<string>();
        if (options.Gateways.Count == 0)
        {
            failures.Add("Agent:Cluster:Gateways must list at least one silo gateway as host:port (e.g. 127.0.0.1:30000).");
        }

        for (var i = 0; i < options.Gateways.Count; i++)
        {
            if (ClusterLinkOptions.TryParseGateway(options.Gateways[i], out var problem) is null)
            {
                failures.Add($"Agent:Cluster:Gateways:{i.ToString(CultureInfo.InvariantCulture)} '{options.Gateways[i]}' {problem}.");
            }
        }

        Require(failures, string.IsNullOrWhiteSpace(options.ClusterId), "Agent:Cluster:ClusterId must not be empty.");
        Require(failures, string.IsNullOrWhiteSpace(options.ServiceId), "Agent:Cluster:ServiceId must not be empty.");
        Require(failures, options.HeartbeatInterval < TimeSpan.FromMilliseconds(100) || options.HeartbeatInterval > TimeSpan.FromMinutes(5),
            $"Agent:Cluster:HeartbeatInterval must be between 00:00:00.1 and 00:05:00 (got {options.HeartbeatInterval}).");
        Require(failures, options.ResubscribeInterval <= TimeSpan.Zero,
            $"Agent:Cluster:ResubscribeInterval must be positive (got {options.ResubscribeInterval}).");
        Require(failures, options.ConnectRetryDelay <= TimeSpan.Zero,
            $"Agent:Cluster:ConnectRetryDelay must be positive (got {options.ConnectRetryDelay}).");
        Require(failures, options.ConnectRetryMaxDelay < options.ConnectRetryDelay,
            $"Agent:Cluster:ConnectRetryMaxDelay must be at least ConnectRetryDelay (got {options.ConnectRetryMaxDelay}).");
        Require(failures, options.CallTimeout <= TimeSpan.Zero,
            $"Agent:Cluster:CallTimeout must be positive (got {options.CallTimeout}).");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Require(List<string> failures, bool bad, string message)
    {
        if (bad)
        {
            failures.Add(message);
        }
    }
}

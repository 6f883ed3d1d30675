using System.Globalization;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.Supervision;

/// <summary>The checks of the shared <see cref="RestartPolicyOptions"/> keys, used by each section's validator.</summary>
internal static class RestartPolicyRules
{
    /// <summary>Adds one failure per bad value, each naming its full key in the validator's section.</summary>
    public static OptionsFailures RestartPolicy(this OptionsFailures failures, RestartPolicyOptions options, string stableUptimeKey = nameof(RestartPolicyOptions.StableUptime))
    {
        for (var i = 0; i < options.Backoff.Count; i++)
        {
            failures.Require(
                options.Backoff[i] > TimeSpan.Zero,
                $"{nameof(options.Backoff)}:{i.ToString(CultureInfo.InvariantCulture)}",
                $"must be a positive duration (got {options.Backoff[i]}).");
        }

        return failures
            .Require(options.StableUptime > TimeSpan.Zero, stableUptimeKey, $"must be positive (got {options.StableUptime}).")
            .Require(
                options.MaxConsecutiveCrashes >= 1,
                nameof(options.MaxConsecutiveCrashes),
                $"must be at least 1 (got {options.MaxConsecutiveCrashes.ToString(CultureInfo.InvariantCulture)}).");
    }
}

using System.Globalization;

namespace ZlhGrind.Agent.Supervision;

/// <summary>The checks of the shared <see cref="RestartPolicyOptions"/> keys, used by each section's validator.</summary>
internal static class RestartPolicyRules
{
    /// <summary>Adds one message per bad value, each naming the full key under <paramref name="section"/>.</summary>
    public static void AddFailures(string section, RestartPolicyOptions options, ICollection<string> failures, string stableUptimeKey = nameof(RestartPolicyOptions.StableUptime))
    {
        for (var i = 0; i < options.Backoff.Count; i++)
        {
            if (options.Backoff[i] <= TimeSpan.Zero)
            {
                failures.Add($"{section}:Backoff:{i.ToString(CultureInfo.InvariantCulture)} must be a positive duration (got {options.Backoff[i]}).");
            }
        }

        if (options.StableUptime <= TimeSpan.Zero)
        {
            failures.Add($"{section}:{stableUptimeKey} must be positive (got {options.StableUptime}).");
        }

        if (options.MaxConsecutiveCrashes < 1)
        {
            failures.Add($"{section}:MaxConsecutiveCrashes must be at least 1 (got {options.MaxConsecutiveCrashes.ToString(CultureInfo.InvariantCulture)}).");
        }
    }
}

using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Limits;

/// <summary>The values of <c>Agent:Limits:Enforcement</c>: <c>auto</c>, or one enforcement to use.</summary>
internal static class LimitsModes
{
    public const string Auto = "auto";

    /// <summary>True for a known value; <paramref name="forced"/> is null for <c>auto</c>.</summary>
    public static bool TryParse(string? text, out LimitsEnforcement? forced)
    {
        forced = text switch
        {
            "cgroup2" => LimitsEnforcement.Cgroup2,
            "cgroup1" => LimitsEnforcement.Cgroup1,
            "rlimit" => LimitsEnforcement.Rlimit,
            "none" => LimitsEnforcement.None,
            _ => null,
        };
        return forced is not null || text == Auto;
    }
}

using System.Globalization;

namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>Who the agent runs as, read from /proc/self/status (effective ids).</summary>
internal static class CurrentUser
{
    public static bool IsRoot => EffectiveIds().Uid == 0;

    public static (int Uid, int Gid) EffectiveIds()
    {
        int? uid = null;
        int? gid = null;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            // "Uid:\treal\teffective\tsaved\tfs"
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                uid = EffectiveField(line);
            }
            else if (line.StartsWith("Gid:", StringComparison.Ordinal))
            {
                gid = EffectiveField(line);
            }
        }

        return (uid ?? throw new InvalidOperationException("/proc/self/status has no Uid line"), gid ?? throw new InvalidOperationException("/proc/self/status has no Gid line"));
    }

    private static int EffectiveField(string line) =>
        int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
}

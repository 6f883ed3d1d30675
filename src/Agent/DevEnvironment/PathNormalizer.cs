namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>
/// Builds the one PATH: the active runtimes' bin directories (in the order given, runtime name order) before the
/// system directories, so an installed runtime wins over a distribution's copy. Entries are made canonical
/// (no trailing or doubled slashes), relative or empty entries are dropped (a relative PATH entry runs whatever
/// is in the current directory), entries with '..' or control characters are dropped, and the first occurrence
/// of a directory wins.
/// </summary>
internal static class PathNormalizer
{
    public static string Normalize(IEnumerable<string> runtimeBinDirectories, string systemPath)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var raw in runtimeBinDirectories.SelectMany(Split).Concat(Split(systemPath)))
        {
            if (Canonical(raw) is { } directory && seen.Add(directory))
            {
                result.Add(directory);
            }
        }

        return string.Join(':', result);
    }

    private static IEnumerable<string> Split(string value) => value.Split(':');

    private static string? Canonical(string entry)
    {
        var trimmed = entry.Trim();
        if (trimmed.Length == 0 || trimmed[0] != '/' || trimmed.Any(char.IsControl) || trimmed.Contains('\'', StringComparison.Ordinal))
        {
            return null;
        }

        var segments = trimmed.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(segment => segment != ".").ToList();
        if (segments.Contains(".."))
        {
            return null;
        }

        return "/" + string.Join('/', segments);
    }
}

namespace ZlhGrind.Agent.Runtimes;

/// <summary>
/// Normalises a path that must stay inside a directory: '/'-separated, no leading '/', no '..' segment,
/// '.' and empty segments dropped. Everything written from an archive or a catalog entry goes through here.
/// </summary>
internal static class RelativePath
{
    public const int MaxLength = 4096;

    /// <summary>Returns the normalised path ("" for the directory itself), or null with the reason it is refused.</summary>
    public static string? Normalize(string path, out string? reason)
    {
        if (path.Length == 0)
        {
            reason = "the path is empty";
            return null;
        }

        if (path.Length > MaxLength)
        {
            reason = $"the path is longer than {MaxLength} characters";
            return null;
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            reason = $"'{Printable(path)}' contains a NUL character";
            return null;
        }

        if (path[0] == '/')
        {
            reason = $"'{Printable(path)}' is an absolute path";
            return null;
        }

        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                reason = $"'{Printable(path)}' climbs out with '..'";
                return null;
            }

            segments.Add(segment);
        }

        reason = null;
        return string.Join('/', segments);
    }

    /// <summary>
    /// Why a symbolic link at <paramref name="relative"/> pointing to <paramref name="target"/> would leave the directory
    /// (an empty or NUL target, an absolute target, or one that climbs above the root from the link's own directory); null when it stays inside.
    /// </summary>
    public static string? LinkLeavesReason(string relative, string target, string directoryName)
    {
        if (string.IsNullOrEmpty(target) || target.Contains('\0', StringComparison.Ordinal))
        {
            return $"link '{Printable(relative)}' has an empty or invalid target";
        }

        if (target[0] == '/')
        {
            return $"link '{Printable(relative)}' points to absolute path '{Printable(target)}', outside the {directoryName}";
        }

        var depth = relative.Split('/').Length - 1;
        foreach (var segment in target.Split('/'))
        {
            depth += segment switch
            {
                "" or "." => 0,
                ".." => -1,
                _ => 1,
            };
            if (depth < 0)
            {
                return $"link '{Printable(relative)}' points to '{Printable(target)}', outside the {directoryName}";
            }
        }

        return null;
    }

    /// <summary>Makes a hostile name safe to put in a log or a reason: control characters are escaped.</summary>
    public static string Printable(string value)
    {
        var clipped = value.Length > 200 ? value[..200] + "…" : value;
        return string.Concat(clipped.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
    }
}

using System.Text;

namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>The one shell profile that exports PATH, so login shells see the same PATH as the console and code-server.</summary>
internal static class ShellProfile
{
    public static string Render(string path)
    {
        var builder = new StringBuilder();
        builder.Append("# Written by the zlh agent: the one PATH shared by login shells, the console and code-server.\n");
        builder.Append("# Rewritten whenever a runtime is installed, upgraded or rolled back; edits here are lost.\n");
        builder.Append("export PATH='").Append(path.Replace("'", "'\\''", StringComparison.Ordinal)).Append("'\n");
        return builder.ToString();
    }

    /// <summary>
    /// Makes the user's own login profile (~/.profile) source the shared one, so a login shell gets the same PATH
    /// even where the shared profile is not under /etc/profile.d (not root, or a custom path). Idempotent.
    /// </summary>
    public static async Task<bool> EnsureSourcedAsync(string userProfile, string profilePath, CancellationToken cancellationToken)
    {
        var quoted = profilePath.Replace("'", "'\\''", StringComparison.Ordinal);
        var line = $"[ -r '{quoted}' ] && . '{quoted}'  # zlh agent: the one PATH";
        var existing = File.Exists(userProfile) ? await File.ReadAllTextAsync(userProfile, cancellationToken) : string.Empty;
        if (existing.Split('\n').Contains(line, StringComparer.Ordinal))
        {
            return false;
        }

        var separator = existing.Length == 0 || existing.EndsWith('\n') ? string.Empty : "\n";
        await File.AppendAllTextAsync(userProfile, separator + line + "\n", cancellationToken);
        return true;
    }

    /// <summary>Writes the profile if its content changed; replaced atomically so a shell never reads half a file.</summary>
    public static async Task<bool> WriteAsync(string profilePath, string path, CancellationToken cancellationToken)
    {
        var content = Render(path);
        if (File.Exists(profilePath) && await File.ReadAllTextAsync(profilePath, cancellationToken) == content)
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(profilePath)!);
        var partial = profilePath + ".partial";
        await File.WriteAllTextAsync(partial, content, cancellationToken);
        UnixFile.SetMode(partial, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Move(partial, profilePath, overwrite: true);
        return true;
    }
}

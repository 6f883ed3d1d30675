using System.Text;
using ZlhGrind.Agent.Processes;

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
    /// The line that makes a user's own login profile (~/.profile) source the shared one, for when the shared profile is
    /// not somewhere login shells read anyway (not root, or a custom path).
    /// </summary>
    public static string SourceLine(string profilePath)
    {
        var quoted = profilePath.Replace("'", "'\\''", StringComparison.Ordinal);
        return $"[ -r '{quoted}' ] && . '{quoted}'  # zlh agent: the one PATH";
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

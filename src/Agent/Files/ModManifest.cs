using System.Text.Json;
using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.Files;

/// <summary>One mod the platform installed: its sha-256, where it came from, when, and the kept previous version's sha-256.</summary>
internal sealed record ManifestEntry(string Sha256, string Source, DateTimeOffset InstalledAt, string? PreviousSha256);

/// <summary>
/// What the platform installed and which mods changed since the server last became ready (named by a
/// <c>mod_or_plugin_error</c> crash). Kept as JSON in the agent's own state directory, outside the server's directory,
/// so no file call can read or write it; a torn or foreign file reads as empty.
/// </summary>
internal sealed class ModManifest
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public Dictionary<string, ManifestEntry> Mods { get; init; } = new(StringComparer.Ordinal);

    public List<string> ChangedSinceCleanRun { get; init; } = [];

    public static ModManifest Load(string? path) =>
        path is null ? new() : AtomicFile.TryReadJson<ModManifest>(path, Json) ?? new();

    public void Save(string? path)
    {
        if (path is not null)
        {
            AtomicFile.WriteJson(path, this, Json);
        }
    }

    /// <summary>Notes a change of <paramref name="name"/> (once) for the next crash record.</summary>
    public void Changed(string name)
    {
        if (!ChangedSinceCleanRun.Contains(name, StringComparer.Ordinal))
        {
            ChangedSinceCleanRun.Add(name);
        }
    }
}

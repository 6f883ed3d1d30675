using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace ZlhGrind.Agent.Files;

/// <summary>What a mod says about itself; any field null when it does not say or could not be read.</summary>
internal sealed record ModMetadata(string? ModId, string? DisplayName, string? Version)
{
    /// <summary>Nothing known.</summary>
    public static ModMetadata Unknown { get; } = new(null, null, null);
}

/// <summary>
/// Reads a mod's own description without extracting anything: in a jar, <c>fabric.mod.json</c>,
/// <c>META-INF/mods.toml</c> (Forge; a <c>${file.jarVersion}</c> version from the manifest) or <c>plugin.yml</c>
/// (Bukkit/Paper); in a directory, <c>mod.conf</c> (key=value). A jar is the tenant's: an entry whose declared size is
/// over <see cref="MaxEntryBytes"/> is not read, every read stops at that many bytes whatever the entry claims (a zip
/// bomb inflates no further), and a malformed archive or description is a mod of unknown version, never an error.
/// </summary>
internal static class ModMetadataReader
{
    /// <summary>The most bytes read from one description entry.</summary>
    public const int MaxEntryBytes = 64 * 1024;

    /// <summary>Archives with more entries are not looked into (the central directory is held while reading).</summary>
    public const int MaxEntries = 65_536;

    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Reads a jar (or any zip) from a seekable <paramref name="stream"/>.</summary>
    public static ModMetadata ReadJar(Stream stream)
    {
        try
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            if (archive.Entries.Count > MaxEntries)
            {
                return ModMetadata.Unknown;
            }

            if (ReadEntry(archive, "fabric.mod.json") is { } fabric)
            {
                return FromFabric(fabric);
            }

            if (ReadEntry(archive, "META-INF/mods.toml") is { } toml)
            {
                var forge = FromModsToml(toml);
                return forge.Version is { } v && v.StartsWith("${", StringComparison.Ordinal)
                    ? forge with { Version = ManifestVersion(ReadEntry(archive, "META-INF/MANIFEST.MF")) }
                    : forge;
            }

            if (ReadEntry(archive, "plugin.yml") is { } yaml)
            {
                var values = TopLevelValues(yaml, ':');
                return Clean(new ModMetadata(values.GetValueOrDefault("name"), values.GetValueOrDefault("name"), values.GetValueOrDefault("version")));
            }

            return ModMetadata.Unknown;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or NotSupportedException or JsonException or ArgumentException)
        {
            return ModMetadata.Unknown;
        }
    }

    /// <summary>Reads a directory mod's <c>mod.conf</c> text (already bounded by the caller).</summary>
    public static ModMetadata ReadModConf(string? text)
    {
        if (text is null)
        {
            return ModMetadata.Unknown;
        }

        var values = TopLevelValues(text, '=');
        return Clean(new ModMetadata(values.GetValueOrDefault("id"), values.GetValueOrDefault("name"), values.GetValueOrDefault("version")));
    }

    /// <summary>Up to <see cref="MaxEntryBytes"/> of <paramref name="stream"/> as UTF-8, or null when it holds more.</summary>
    public static string? ReadBounded(Stream stream)
    {
        var buffer = new byte[MaxEntryBytes + 1];
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = stream.Read(buffer, filled, buffer.Length - filled)) > 0)
        {
            filled += read;
        }

        return filled > MaxEntryBytes ? null : Encoding.UTF8.GetString(buffer, 0, filled);
    }

    private static string? ReadEntry(ZipArchive archive, string name)
    {
        var entry = archive.GetEntry(name);
        if (entry is null || entry.Length > MaxEntryBytes)
        {
            return null;
        }

        using var content = entry.Open();
        return ReadBounded(content);
    }

    private static ModMetadata FromFabric(string json)
    {
        using var document = JsonDocument.Parse(json, JsonOptions);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return ModMetadata.Unknown;
        }

        return Clean(new ModMetadata(StringProperty(root, "id"), StringProperty(root, "name"), StringProperty(root, "version")));
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The first <c>[[mods]]</c> table's modId, displayName and version (the TOML subset Forge's files use).</summary>
    private static ModMetadata FromModsToml(string toml)
    {
        var inMods = false;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in toml.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('['))
            {
                if (inMods)
                {
                    break;
                }

                inMods = line.StartsWith("[[mods]]", StringComparison.Ordinal);
                continue;
            }

            if (inMods && Pair(line, '=') is { } pair)
            {
                values.TryAdd(pair.Key, pair.Value);
            }
        }

        return Clean(new ModMetadata(values.GetValueOrDefault("modId"), values.GetValueOrDefault("displayName"), values.GetValueOrDefault("version")));
    }

    private static string? ManifestVersion(string? manifest) =>
        manifest is null ? null : TopLevelValues(manifest, ':').GetValueOrDefault("Implementation-Version");

    /// <summary>Unindented <c>key SEP value</c> lines (first one wins), quotes and trailing comments dropped.</summary>
    private static Dictionary<string, string> TopLevelValues(string text, char separator)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            if (raw.Length == 0 || char.IsWhiteSpace(raw[0]) || raw[0] == '#')
            {
                continue;
            }

            if (Pair(raw.TrimEnd('\r'), separator) is { } pair)
            {
                values.TryAdd(pair.Key, pair.Value);
            }
        }

        return values;
    }

    private static KeyValuePair<string, string>? Pair(string line, char separator)
    {
        var at = line.IndexOf(separator, StringComparison.Ordinal);
        if (at <= 0)
        {
            return null;
        }

        var value = line[(at + 1)..].Trim();
        if (value.Length >= 2 && (value[0] is '"' or '\'') && value.IndexOf(value[0], 1) is var end and > 0)
        {
            value = value[1..end];
        }
        else if (value.IndexOf(" #", StringComparison.Ordinal) is var comment and >= 0)
        {
            value = value[..comment].TrimEnd();
        }

        return new(line[..at].Trim(), value);
    }

    /// <summary>Only values fit to show: bounded, no control characters; an empty one is unknown.</summary>
    private static ModMetadata Clean(ModMetadata metadata) => new(Fit(metadata.ModId), Fit(metadata.DisplayName), Fit(metadata.Version));

    private static string? Fit(string? value) =>
        string.IsNullOrWhiteSpace(value) || !Grains.Mods.ModLimits.IsText(value) ? null : value;
}

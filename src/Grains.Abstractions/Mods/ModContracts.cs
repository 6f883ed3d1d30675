namespace ZlhGrind.Grains.Mods;

/// <summary>
/// One mod of a server's mods directory: its file (or directory) name, kind (jar, file or directory), what the mod
/// says about itself (id, display name, version; null when unknown or unreadable), its sha-256 (files only), size,
/// whether it is enabled, whether the platform installed it (the manifest), and whether a previous version is kept.
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.ModInfo")]
public sealed record ModInfo(
    string Name,
    string Kind,
    string? ModId,
    string? DisplayName,
    string? Version,
    string? Sha256,
    long Size,
    bool Enabled,
    bool Managed,
    bool HasPrevious);

/// <summary>The mods of a server: its template's mods directory (null: the template has none) and the mods in it.</summary>
[GenerateSerializer, Immutable, Alias("zlh.ModListing")]
public sealed record ModListing(string? Directory, IReadOnlyList<ModInfo> Mods);

/// <summary>
/// Where a mod comes from: a file already in the server's directory (<see cref="Path"/>), an artifact URL with its
/// sha-256, or a resumable upload whose chunks are all in (<see cref="UploadId"/>: completed straight into the mods
/// directory, never landing at its own path).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.ModSource")]
public sealed record ModSource(string? Path, string? Url, string? Sha256, string? UploadId = null);

/// <summary>The largest values the mods API takes (README: "Mods").</summary>
public static class ModLimits
{
    /// <summary>Characters of a mod's name (one file or directory name).</summary>
    public const int NameChars = 128;

    /// <summary>Characters of an artifact URL.</summary>
    public const int UrlChars = 2048;

    /// <summary>Mods one listing shows.</summary>
    public const int ListedMods = 1000;

    /// <summary>Characters of a mod's id, display name or version as shown.</summary>
    public const int TextChars = 128;

    /// <summary>
    /// Whether <paramref name="name"/> is a mod name: 1 to <see cref="NameChars"/> printable characters, no slash or
    /// backslash, not starting with a dot (the platform's own folders, .disabled and .previous, are hidden names).
    /// </summary>
    public static bool IsName(string? name) =>
        name is { Length: >= 1 and <= NameChars }
        && name[0] != '.'
        && !name.Any(c => c is '/' or '\\' || char.IsControl(c));

    /// <summary>Whether <paramref name="text"/> is fit to show (bounded, no control characters).</summary>
    public static bool IsText(string? text) => text is null || (text.Length <= TextChars && !text.Any(char.IsControl));
}

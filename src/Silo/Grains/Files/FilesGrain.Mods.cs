using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Mods;

namespace ZlhGrind.Silo.Grains.Files;

/// <summary>
/// The mods API (README: "Mods"): the same activation, authorization and agent endpoint as the files, so a mod change
/// is subject to what a file change is. Names and sources are validated here; every reply is bounded before a gateway sees it.
/// </summary>
internal sealed partial class FilesGrain : IModsGrain
{
    private static readonly HashSet<string> ModKinds = new(StringComparer.Ordinal) { "jar", "file", "directory" };

    public async Task<ModListing> ListModsAsync(Actor actor)
    {
        await AuthorizeAsync(actor);
        var listing = await RelayAsync(agent => agent.AsReference<IModsAgent>().ListAsync());
        Require(
            listing is { Mods: { Count: <= ModLimits.ListedMods } mods } && mods.All(IsValidMod) && (listing.Directory is null || IsBoundedPath(listing.Directory)),
            "a mod listing");
        return new ModListing(listing!.Directory, listing.Mods.ToArray());
    }

    public Task<ModInfo> InstallModAsync(Actor actor, string name, ModSource source) => InstallAsync(actor, name, source, upgrade: false);

    public Task<ModInfo> UpgradeModAsync(Actor actor, string name, ModSource source) => InstallAsync(actor, name, source, upgrade: true);

    public async Task<ModInfo> SetModEnabledAsync(Actor actor, string name, bool enabled)
    {
        await AuthorizeAsync(actor);
        CheckModName(name);
        return CheckMod(await RelayAsync(agent => agent.AsReference<IModsAgent>().SetEnabledAsync(name, enabled)));
    }

    public async Task RemoveModAsync(Actor actor, string name)
    {
        await AuthorizeAsync(actor);
        CheckModName(name);
        await RelayCallAsync(agent => agent.AsReference<IModsAgent>().RemoveAsync(name));
    }

    public async Task<ModInfo> RollbackModAsync(Actor actor, string name)
    {
        await AuthorizeAsync(actor);
        CheckModName(name);
        return CheckMod(await RelayAsync(agent => agent.AsReference<IModsAgent>().RollbackAsync(name)));
    }

    private async Task<ModInfo> InstallAsync(Actor actor, string name, ModSource source, bool upgrade)
    {
        await AuthorizeAsync(actor);
        CheckModName(name);
        var checkedSource = CheckSource(source);
        return CheckMod(await RelayAsync(agent => agent.AsReference<IModsAgent>().InstallAsync(name, checkedSource, upgrade)));
    }

    private static void CheckModName(string name)
    {
        if (!ModLimits.IsName(name))
        {
            throw new InvalidRequestException($"A mod name is 1 to {ModLimits.NameChars} characters without '/', '\\' or control characters and does not start with '.'.");
        }
    }

    /// <summary>Exactly one source: a path in the server's directory, an http(s) URL with its sha-256, or an upload id.</summary>
    private static ModSource CheckSource(ModSource? source)
    {
        if (source is { Path: null, Url: null, Sha256: null, UploadId: { } uploadId })
        {
            CheckIdArgument(uploadId, "uploadId");
            return new ModSource(null, null, null, uploadId);
        }

        if (source is { Path: { } path, Url: null, Sha256: null, UploadId: null })
        {
            CheckPath(path, "path");
            return new ModSource(path, null, null);
        }

        if (source is { Path: null, Url: { } url, Sha256: { } sha256, UploadId: null })
        {
            if (url.Length > ModLimits.UrlChars || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new InvalidRequestException($"url must be an absolute http or https URL of at most {ModLimits.UrlChars} characters.");
            }

            if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigit))
            {
                throw new InvalidRequestException("sha256 must be the mod's SHA-256 as 64 hexadecimal digits.");
            }

            return new ModSource(null, url, sha256.ToLowerInvariant());
        }

        throw new InvalidRequestException("A mod comes from either path (a file in the server's directory), url with sha256, or uploadId (an upload whose chunks are all in).");
    }

    private static ModInfo CheckMod(ModInfo mod)
    {
        Require(IsValidMod(mod), "a mod");
        return mod;
    }

    private static bool IsValidMod(ModInfo? mod) =>
        mod is { Size: >= 0 }
        && ModLimits.IsName(mod.Name)
        && mod.Kind is not null && ModKinds.Contains(mod.Kind)
        && ModLimits.IsText(mod.ModId) && ModLimits.IsText(mod.DisplayName) && ModLimits.IsText(mod.Version)
        && (mod.Sha256 is null || (mod.Sha256.Length == 64 && mod.Sha256.All(char.IsAsciiHexDigit)));
}

using System.Net;
using System.Security.Cryptography;
using ZlhGrind.Grains.Mods;

namespace ZlhGrind.Agent.Files;

/// <summary>
/// A server's mods, kept in its template's mods directory through the container's <see cref="ConfinedRoot"/> (so the
/// quota, the denylist and the kernel's confinement hold for mods as for any file): an enabled mod is
/// <c>&lt;dir&gt;/name</c>, a disabled one <c>&lt;dir&gt;/.disabled/name</c> (moved, never deleted), and the version an
/// upgrade replaced <c>&lt;dir&gt;/.previous/name</c> until a rollback or the next upgrade. New bytes from an artifact
/// URL land only once their sha-256 matched. Every change is recorded in the <see cref="ModManifest"/>. One change at a time.
/// </summary>
internal sealed class ModsManager(string? stateDirectory, FilesOptions options, TimeProvider time) : IModChanges, IDisposable
{
    private const string DisabledFolder = ".disabled";
    private const string PreviousFolder = ".previous";
    private const string IncomingPrefix = ".incoming-";
    private const int HashBuffer = 81920;

    private readonly SemaphoreSlim _gate = new(1, 1);

    // Manifest read-modify-write only (short): supervision marks a clean run without waiting for a mod download.
    private readonly Lock _manifestGate = new();
    private readonly string? _manifestPath = stateDirectory is null ? null : Path.Combine(stateDirectory, "mods.json");
    private readonly HttpClient _http = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
    {
        Timeout = options.ModDownloadTimeout,
        MaxResponseContentBufferSize = 1,
    };

    /// <summary>The mods changed (installed, upgraded, rolled back, enabled, disabled, removed) since the server last became ready.</summary>
    public IReadOnlyList<string> ChangedSinceCleanRun()
    {
        lock (_manifestGate)
        {
            return ModManifest.Load(_manifestPath).ChangedSinceCleanRun.ToArray();
        }
    }

    /// <summary>The server became ready: what changed before is part of a clean run now.</summary>
    public void MarkCleanRun() => Update(manifest => manifest.ChangedSinceCleanRun.Clear());

    public async Task<ModListing> ListAsync(ConfinedRoot root, string? directory, CancellationToken cancellationToken)
    {
        if (directory is null)
        {
            return new ModListing(null, []);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var manifest = Load();
            var previous = TryList(root, Join(directory, PreviousFolder)).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            var mods = new List<ModInfo>();
            foreach (var (folder, enabled) in new[] { (directory, true), (Join(directory, DisabledFolder), false) })
            {
                foreach (var entry in TryList(root, folder))
                {
                    if (mods.Count < ModLimits.ListedMods && ModLimits.IsName(entry.Name) && entry.Kind is FileEntryKind.File or FileEntryKind.Directory)
                    {
                        mods.Add(await DescribeAsync(root, folder, entry, enabled, manifest, previous.Contains(entry.Name), cancellationToken));
                    }
                }
            }

            return new ModListing(directory, mods);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Installs <paramref name="name"/> (new, or with <paramref name="upgrade"/> replacing the current one, which is kept for a rollback).</summary>
    public async Task<ModInfo> InstallAsync(ConfinedRoot root, UploadStore? uploads, string? directory, string name, ModSource source, bool upgrade, CancellationToken cancellationToken)
    {
        var folder = RequireDirectory(directory);
        RequireName(name);
        var (path, url, sha256, uploadId) = CheckSource(source);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = Locate(root, folder, name);
            if (!upgrade && current is not null)
            {
                throw new FileOperationException(FileErrorCode.Exists, $"mod '{name}' is already installed; upgrade it instead");
            }

            if (upgrade && current is null)
            {
                throw new FileOperationException(FileErrorCode.NotFound, $"mod '{name}' is not installed");
            }

            if (path is not null && root.Describe(path) is not { Kind: FileEntryKind.File })
            {
                throw new FileOperationException(FileErrorCode.NotFound, $"'{Runtimes.RelativePath.Printable(path)}' is not a file in the server's directory");
            }

            if (uploadId is not null)
            {
                // An unknown or unfinished upload is refused before the mods directory is touched.
                (uploads ?? throw UnknownUpload(uploadId)).CheckComplete(uploadId);
            }

            EnsureDirectories(root, folder);
            var target = current ?? Join(folder, name);

            // The new bytes come in beside the mod first (verified when downloaded or completed), so a refusal leaves the mod as it was.
            var incoming = path ?? Join(folder, IncomingPrefix + Guid.NewGuid().ToString("N"));
            if (url is not null)
            {
                await DownloadAsync(root, url, sha256!, incoming, cancellationToken);
            }
            else if (uploadId is not null)
            {
                // Every chunk in and the whole sha-256 as announced, or refused with the upload left as it was (resumable).
                await uploads!.CompleteAsync(uploadId, incoming, cancellationToken);
            }

            string? previousSha256 = null;
            try
            {
                if (current is not null)
                {
                    previousSha256 = await HashAsync(root, current, cancellationToken);
                    root.Rename(current, Join(folder, PreviousFolder, name), noReplace: false);
                }

                root.Rename(incoming, target, noReplace: true);
            }
            catch
            {
                if (current is not null && root.Describe(current) is null && root.Describe(Join(folder, PreviousFolder, name)) is not null)
                {
                    root.Rename(Join(folder, PreviousFolder, name), current, noReplace: true);
                }

                if (path is null && root.Describe(incoming) is not null)
                {
                    root.Delete(incoming);
                }

                throw;
            }

            var installed = await HashAsync(root, target, cancellationToken);
            var manifest = Update(m =>
            {
                m.Mods[name] = new ManifestEntry(installed ?? "", url?.ToString() ?? (uploadId is null ? "file:" + path : "upload:" + uploadId), time.GetUtcNow(), previousSha256);
                m.Changed(name);
            });
            return await DescribeOneAsync(root, folder, name, manifest, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Moves a mod out of (or back into) the disabled folder; already in that state, nothing changes.</summary>
    public async Task<ModInfo> SetEnabledAsync(ConfinedRoot root, string? directory, string name, bool enabled, CancellationToken cancellationToken)
    {
        var folder = RequireDirectory(directory);
        RequireName(name);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = Locate(root, folder, name) ?? throw NotInstalled(name);
            var wanted = enabled ? Join(folder, name) : Join(folder, DisabledFolder, name);
            ModManifest manifest;
            if (!string.Equals(current, wanted, StringComparison.Ordinal))
            {
                EnsureDirectories(root, folder);
                root.Rename(current, wanted, noReplace: true);
                manifest = Update(m => m.Changed(name));
            }
            else
            {
                manifest = Load();
            }

            return await DescribeOneAsync(root, folder, name, manifest, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Deletes a mod (enabled or disabled) and its kept previous version.</summary>
    public async Task RemoveAsync(ConfinedRoot root, string? directory, string name, CancellationToken cancellationToken)
    {
        var folder = RequireDirectory(directory);
        RequireName(name);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = Locate(root, folder, name) ?? throw NotInstalled(name);
            root.Delete(current);
            if (TryDescribe(root, Join(folder, PreviousFolder, name)) is not null)
            {
                root.Delete(Join(folder, PreviousFolder, name));
            }

            Update(m =>
            {
                m.Mods.Remove(name);
                m.Changed(name);
            });
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Puts the version the last upgrade replaced back in the mod's place (enabled or disabled as it is now); the replacing version is dropped.</summary>
    public async Task<ModInfo> RollbackAsync(ConfinedRoot root, string? directory, string name, CancellationToken cancellationToken)
    {
        var folder = RequireDirectory(directory);
        RequireName(name);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var kept = Join(folder, PreviousFolder, name);
            if (TryDescribe(root, kept) is null)
            {
                throw new FileOperationException(FileErrorCode.NotFound, $"mod '{name}' has no previous version to roll back to");
            }

            var keptSha256 = await HashAsync(root, kept, cancellationToken);
            if (Load().Mods.GetValueOrDefault(name) is { PreviousSha256: { } expected } && !string.Equals(expected, keptSha256, StringComparison.Ordinal))
            {
                // The kept file was changed through the file manager: it is not the version the upgrade replaced.
                throw new FileOperationException(FileErrorCode.DigestMismatch, $"the kept previous version of mod '{name}' was changed since the upgrade; not rolled back");
            }

            var target = Locate(root, folder, name) ?? Join(folder, name);
            root.Rename(kept, target, noReplace: false);
            var manifest = Update(m =>
            {
                m.Mods[name] = new ManifestEntry(keptSha256 ?? "", "rollback", time.GetUtcNow(), null);
                m.Changed(name);
            });
            return await DescribeOneAsync(root, folder, name, manifest, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private ModManifest Load()
    {
        lock (_manifestGate)
        {
            return ModManifest.Load(_manifestPath);
        }
    }

    /// <summary>Changes the manifest in one short read-modify-write and returns it.</summary>
    private ModManifest Update(Action<ModManifest> change)
    {
        lock (_manifestGate)
        {
            var manifest = ModManifest.Load(_manifestPath);
            change(manifest);
            manifest.Save(_manifestPath);
            return manifest;
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }

    private static string Join(params string[] parts) => string.Join('/', parts.Select(p => p.Trim('/')).Where(p => p.Length > 0));

    private static string RequireDirectory(string? directory) =>
        directory ?? throw new FileOperationException(FileErrorCode.NotFound, "this server's template has no mods directory");

    private static void RequireName(string name)
    {
        if (!ModLimits.IsName(name))
        {
            throw new FileOperationException(FileErrorCode.InvalidArgument, $"a mod name is 1 to {ModLimits.NameChars} characters without '/', '\\' or control characters and does not start with '.'");
        }
    }

    private static FileOperationException NotInstalled(string name) => new(FileErrorCode.NotFound, $"mod '{name}' is not installed");

    private static FileOperationException UnknownUpload(string uploadId) =>
        new(FileErrorCode.NotFound, $"upload '{Runtimes.RelativePath.Printable(uploadId)}' does not exist (it completed, was aborted or expired)");

    private (string? Path, Uri? Url, byte[]? Sha256, string? UploadId) CheckSource(ModSource? source)
    {
        if (source is { Path: { Length: > 0 } path, Url: null, Sha256: null, UploadId: null })
        {
            return (path, null, null, null);
        }

        if (source is { Path: null, Url: null, Sha256: null, UploadId: { Length: > 0 } uploadId })
        {
            return (null, null, null, uploadId);
        }

        if (source is { Path: null, Url: { Length: > 0 } url, Sha256: { Length: 64 } hex, UploadId: null }
            && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && hex.All(char.IsAsciiHexDigit))
        {
            return (null, uri, Convert.FromHexString(hex), null);
        }

        _ = options;
        throw new FileOperationException(FileErrorCode.InvalidArgument, "a mod comes from either a path in the server's directory, an http(s) url with its sha256 (64 hexadecimal digits), or an upload id");
    }

    private async Task DownloadAsync(ConfinedRoot root, Uri url, byte[] sha256, string incoming, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new FileOperationException(FileErrorCode.DownloadFailed, $"the download of {url} failed: {ex.Message}", ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new FileOperationException(FileErrorCode.DownloadFailed, $"the download of {url} failed: the server answered {(int)response.StatusCode}");
            }

            if (response.Content.Headers.ContentLength > options.MaxModBytes)
            {
                throw new FileOperationException(FileErrorCode.TooLarge, $"the mod at {url} is larger than {options.MaxModBytes} bytes");
            }

            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                await root.WriteVerifiedAsync(incoming, body, options.MaxModBytes, sha256, $"the artifact at {url}", cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
            {
                throw new FileOperationException(FileErrorCode.DownloadFailed, $"the download of {url} failed: {ex.Message}", ex);
            }
        }
    }

    /// <summary>The mod's place now: enabled, disabled, or null when it is not installed.</summary>
    private static string? Locate(ConfinedRoot root, string folder, string name)
    {
        foreach (var candidate in new[] { Join(folder, name), Join(folder, DisabledFolder, name) })
        {
            if (TryDescribe(root, candidate) is { Kind: FileEntryKind.File or FileEntryKind.Directory })
            {
                return candidate;
            }
        }

        return null;
    }

    private static FileEntry? TryDescribe(ConfinedRoot root, string path)
    {
        try
        {
            return root.Describe(path);
        }
        catch (FileOperationException ex) when (ex.Error is FileErrorCode.NotFound or FileErrorCode.NotADirectory)
        {
            return null;
        }
    }

    private static IReadOnlyList<FileEntry> TryList(ConfinedRoot root, string path)
    {
        try
        {
            return root.List(path);
        }
        catch (FileOperationException ex) when (ex.Error is FileErrorCode.NotFound or FileErrorCode.NotADirectory)
        {
            return [];
        }
    }

    private static void EnsureDirectories(ConfinedRoot root, string folder)
    {
        var path = "";
        foreach (var part in folder.Split('/', StringSplitOptions.RemoveEmptyEntries).Append(DisabledFolder).ToList())
        {
            path = Join(path, part);
            if (TryDescribe(root, path) is null)
            {
                root.MakeDirectory(path);
            }
        }

        if (TryDescribe(root, Join(folder, PreviousFolder)) is null)
        {
            root.MakeDirectory(Join(folder, PreviousFolder));
        }
    }

    private static async Task<string?> HashAsync(ConfinedRoot root, string path, CancellationToken cancellationToken)
    {
        if (TryDescribe(root, path) is not { Kind: FileEntryKind.File })
        {
            return null;
        }

        var content = root.OpenRead(path);
        await using var stream = content.Stream;
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private static async Task<ModInfo> DescribeOneAsync(ConfinedRoot root, string folder, string name, ModManifest manifest, CancellationToken cancellationToken)
    {
        var place = Locate(root, folder, name) ?? throw NotInstalled(name);
        var entry = root.Describe(place)!;
        var enabled = string.Equals(place, Join(folder, name), StringComparison.Ordinal);
        var hasPrevious = TryDescribe(root, Join(folder, PreviousFolder, name)) is not null;
        return await DescribeAsync(root, enabled ? folder : Join(folder, DisabledFolder), entry, enabled, manifest, hasPrevious, cancellationToken);
    }

    private static async Task<ModInfo> DescribeAsync(ConfinedRoot root, string folder, FileEntry entry, bool enabled, ModManifest manifest, bool hasPrevious, CancellationToken cancellationToken)
    {
        var path = Join(folder, entry.Name);
        var managed = manifest.Mods.ContainsKey(entry.Name);
        if (entry.Kind == FileEntryKind.Directory)
        {
            string? conf = null;
            if (TryDescribe(root, Join(path, "mod.conf")) is { Kind: FileEntryKind.File })
            {
                var content = root.OpenRead(Join(path, "mod.conf"));
                await using var stream = content.Stream;
                conf = ModMetadataReader.ReadBounded(stream);
            }

            var meta = ModMetadataReader.ReadModConf(conf);
            return new ModInfo(entry.Name, "directory", meta.ModId, meta.DisplayName, meta.Version, null, 0, enabled, managed, hasPrevious);
        }

        var file = root.OpenRead(path);
        await using (var stream = file.Stream)
        {
            var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
            var isJar = entry.Name.EndsWith(".jar", StringComparison.OrdinalIgnoreCase) || entry.Name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase);
            var meta = ModMetadata.Unknown;
            if (isJar)
            {
                stream.Seek(0, SeekOrigin.Begin);
                meta = ModMetadataReader.ReadJar(stream);
            }

            return new ModInfo(entry.Name, isJar ? "jar" : "file", meta.ModId, meta.DisplayName, meta.Version, sha256, file.Length, enabled, managed, hasPrevious);
        }
    }
}

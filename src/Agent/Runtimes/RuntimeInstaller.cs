using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Agent.Runtimes;

/// <summary>
/// Installs runtimes from the artifact store into <c>&lt;root&gt;/runtimes/&lt;name&gt;/&lt;version&gt;</c>: validate, download
/// (hash-checked), unpack safely into staging, rename into place, verify, then make active. One install per runtime
/// at a time; what is installed and active is not touched again; the active version only changes after a new one
/// proved it runs, so any failure leaves the previous runtime working.
/// </summary>
internal sealed class RuntimeInstaller(
    RuntimeEntryValidator validator,
    ArtifactDownloader downloader,
    SafeTarExtractor extractor,
    RuntimeVerifier verifier,
    RuntimeStore store,
    RuntimeLayout layout,
    ProcFs procFs,
    TimeProvider timeProvider,
    ILogger<RuntimeInstaller> logger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _guards = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, InstallProgress> _progress = new(StringComparer.Ordinal);

    /// <summary>Reads what is installed and sweeps what an interrupted install left behind.</summary>
    public void Load()
    {
        store.Load();
        if (Directory.Exists(layout.RuntimesRoot))
        {
            foreach (var runtime in Directory.EnumerateDirectories(layout.RuntimesRoot))
            {
                foreach (var leftover in Directory.EnumerateDirectories(runtime, ".*"))
                {
                    DeleteDirectoryQuietly(leftover);
                }
            }
        }

        if (Directory.Exists(layout.TempRoot))
        {
            foreach (var file in Directory.EnumerateFiles(layout.TempRoot, "download-*.part"))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Every installed version, the active one marked, ordered by name and version.</summary>
    public IReadOnlyList<InstalledRuntime> Installed() =>
        store.All()
            .SelectMany(state => state.Versions.Keys
                .Order(StringComparer.Ordinal)
                .Select(version => new InstalledRuntime(state.Name, version, version == state.Active)))
            .ToList();

    /// <summary>The bin directories of the active versions, ordered by runtime name (the PATH order).</summary>
    public IReadOnlyList<string> ActiveBinDirectories() =>
        store.All()
            .Where(state => state.Active is not null && state.Versions.ContainsKey(state.Active))
            .Select(state => BinDirectory(state.Name, state.Active!, state.Versions[state.Active!].BinPath))
            .ToList();

    /// <summary>Whether this exact version is installed and active.</summary>
    public bool IsActive(string name, string version) => store.Get(name) is { } state && state.Active == version && state.Versions.ContainsKey(version);

    /// <summary>The install running now, if any (the most recently updated when several run).</summary>
    public InstallProgress? Progress() => _progress.Values.MaxBy(progress => progress.BytesDone);

    /// <summary>Makes <paramref name="entry"/> installed and active; throws <see cref="RuntimeInstallException"/> with a clear reason.</summary>
    public async Task<RuntimeInstallResult> InstallAsync(RuntimeEntry entry, CancellationToken cancellationToken)
    {
        // Validated before anything is fetched or any lock is taken.
        var artifact = validator.Validate(entry);
        var guard = _guards.GetOrAdd(entry.Name, _ => new SemaphoreSlim(1, 1));
        await guard.WaitAsync(cancellationToken);
        try
        {
            var state = store.Get(entry.Name);
            if (state.Versions.TryGetValue(entry.Version, out var existing)
                && Directory.Exists(layout.VersionDirectory(entry.Name, entry.Version)))
            {
                if (state.Active == entry.Version)
                {
                    return new RuntimeInstallResult(entry.Name, entry.Version, InstallOutcome.AlreadyActive, existing.VerifyOutput);
                }

                store.Save(state.Activate(entry.Version));
                RuntimeLog.Activated(logger, entry.Name, entry.Version, state.Active);
                return new RuntimeInstallResult(entry.Name, entry.Version, InstallOutcome.Activated, existing.VerifyOutput);
            }

            var verified = await InstallNewAsync(entry, artifact, cancellationToken);
            var installed = new InstalledVersion(
                RelativePath.Normalize(entry.BinPath, out _) ?? entry.BinPath,
                artifact.Sha256,
                timeProvider.GetUtcNow(),
                verified.Output);
            store.Save(store.Get(entry.Name).WithVersion(entry.Version, installed).Activate(entry.Version));
            RuntimeLog.Installed(logger, entry.Name, entry.Version, verified.Output);
            return new RuntimeInstallResult(entry.Name, entry.Version, InstallOutcome.Installed, verified.Output);
        }
        finally
        {
            _progress.TryRemove(entry.Name, out _);
            guard.Release();
        }
    }

    /// <summary>Switches a runtime back to the version that was active before the current one.</summary>
    public async Task<RuntimeInstallResult> RollbackAsync(string name, CancellationToken cancellationToken)
    {
        var guard = _guards.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        await guard.WaitAsync(cancellationToken);
        try
        {
            var state = store.Get(name);
            if (state.Previous is not { } previous
                || !state.Versions.TryGetValue(previous, out var installed)
                || !Directory.Exists(layout.VersionDirectory(name, previous)))
            {
                throw new RuntimeInstallException(InstallFailure.NotInstalled, $"runtime {RelativePath.Printable(name)} has no previous version installed to roll back to");
            }

            store.Save(state.Activate(previous));
            RuntimeLog.RolledBack(logger, name, state.Active, previous);
            return new RuntimeInstallResult(name, previous, InstallOutcome.Activated, installed.VerifyOutput);
        }
        finally
        {
            guard.Release();
        }
    }

    /// <summary>Removes an installed version; refuses the active one and any a running process uses.</summary>
    public async Task RemoveAsync(string name, string version, CancellationToken cancellationToken)
    {
        var guard = _guards.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        await guard.WaitAsync(cancellationToken);
        try
        {
            var state = store.Get(name);
            var directory = layout.VersionDirectory(name, version);
            if (!state.Versions.ContainsKey(version))
            {
                throw new RuntimeInstallException(InstallFailure.NotInstalled, $"runtime {RelativePath.Printable(name)} {RelativePath.Printable(version)} is not installed");
            }

            if (state.Active == version)
            {
                throw new RuntimeInstallException(InstallFailure.InUse, $"runtime {name} {version} is the active version; switch to another version before removing it");
            }

            var users = procFs.ProcessesUsing(directory);
            if (users.Count > 0)
            {
                var pids = string.Join(", ", users.Select(user => user.Pid));
                throw new RuntimeInstallException(InstallFailure.InUse, $"runtime {name} {version} is in use by running process(es) {pids}; stop them before removing it");
            }

            // Renamed away first, so the version disappears at once even if deleting takes a while or fails halfway.
            store.Save(state.WithoutVersion(version));
            if (Directory.Exists(directory))
            {
                var trash = layout.TrashDirectory(name);
                Directory.Move(directory, trash);
                DeleteDirectoryQuietly(trash);
            }

            RuntimeLog.Removed(logger, name, version);
        }
        finally
        {
            guard.Release();
        }
    }

    private async Task<VerifyResult> InstallNewAsync(RuntimeEntry entry, ArtifactSpec artifact, CancellationToken cancellationToken)
    {
        var versionDirectory = layout.VersionDirectory(entry.Name, entry.Version);
        var staging = layout.StagingDirectory(entry.Name, entry.Version);
        string? archive = null;
        var renamed = false;
        try
        {
            Report(entry, "downloading", 0, artifact.SizeBytes);
            RuntimeLog.Downloading(logger, entry.Name, entry.Version, artifact.Url, artifact.SizeBytes);
            archive = await downloader.DownloadAsync(
                artifact,
                layout.TempRoot,
                (done, total) => Report(entry, "downloading", done, total),
                cancellationToken);

            Report(entry, "extracting", artifact.SizeBytes, artifact.SizeBytes);
            Directory.CreateDirectory(Path.GetDirectoryName(staging)!);
            await extractor.ExtractAsync(archive, staging, cancellationToken);
            var binPath = RelativePath.Normalize(entry.BinPath, out _) ?? entry.BinPath;
            if (!Directory.Exists(Path.Combine(staging, binPath)))
            {
                throw new RuntimeInstallException(InstallFailure.VerifyFailed, $"the archive has no '{RelativePath.Printable(entry.BinPath)}' directory, which the catalog names as the bin path");
            }

            if (Directory.Exists(versionDirectory))
            {
                // Left by an install that died between rename and record; it was never verified.
                var stale = layout.TrashDirectory(entry.Name);
                Directory.Move(versionDirectory, stale);
                DeleteDirectoryQuietly(stale);
            }

            Directory.Move(staging, versionDirectory);
            renamed = true;

            Report(entry, "verifying", artifact.SizeBytes, artifact.SizeBytes);
            return await verifier.VerifyAsync(versionDirectory, binPath, entry.VerifyCommand, cancellationToken);
        }
        catch (Exception ex)
        {
            if (renamed)
            {
                // Not verified, so not installed: the directory goes, the active version was never changed.
                var failed = layout.TrashDirectory(entry.Name);
                Directory.Move(versionDirectory, failed);
                DeleteDirectoryQuietly(failed);
            }

            logger.LogWarning("Runtime {Runtime} {Version} install failed: {Reason}", entry.Name, entry.Version, ex.Message);
            throw;
        }
        finally
        {
            DeleteDirectoryQuietly(staging);
            if (archive is not null)
            {
                File.Delete(archive);
            }
        }
    }

    private string BinDirectory(string name, string version, string binPath) =>
        binPath.Length == 0 ? layout.VersionDirectory(name, version) : Path.Combine(layout.VersionDirectory(name, version), binPath);

    private void Report(RuntimeEntry entry, string phase, long done, long total) =>
        _progress[entry.Name] = new InstallProgress(entry.Name, entry.Version, phase, done, total);

    private void DeleteDirectoryQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException ex)
        {
            logger.LogWarning(ex, "Could not delete {Directory}; it is swept at the next start", path);
        }
        catch (UnauthorizedAccessException ex)
        {
            logger.LogWarning(ex, "Could not delete {Directory}; it is swept at the next start", path);
        }
    }
}

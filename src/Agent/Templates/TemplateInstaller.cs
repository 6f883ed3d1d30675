using System.Text;
using Microsoft.Win32.SafeHandles;
using Microsoft.Extensions.Logging;
using ZlhGrind.Agent.Files;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Runtimes;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Agent.Templates;

/// <summary>
/// A template's install into the server directory: the artifact is downloaded (size capped, sha256 checked before
/// anything lands) and unpacked by the runtime rules (no absolute paths, '..', links out, devices) into a staging
/// directory beside the server directory, which is then renamed into place — only over an empty server directory, so
/// nothing a tenant planted there is ever written through. Done once per artifact (a marker in the state directory).
/// Config files are written through the kernel-confined root of the file manager, replacing a planted link, never
/// following it.
/// </summary>
internal sealed partial class TemplateInstaller(
    ArtifactDownloader downloader,
    SafeTarExtractor extractor,
    FilesOptions filesOptions,
    string serverDirectory,
    string stateDirectory,
    ILogger<TemplateInstaller> logger)
{
    // AT_FDCWD: an absolute path given to openat is opened as it is.
    private static readonly SafeFileHandle AtCurrentDirectory = new(-100, ownsHandle: false);

    private InstallProgress? _progress;

    private string MarkerFile => Path.Combine(stateDirectory, "install.json");

    /// <summary>The install running now (phase, bytes), for the heartbeat; null when none runs.</summary>
    public InstallProgress? Progress => Volatile.Read(ref _progress);

    /// <summary>
    /// Whether <paramref name="launch"/> names an artifact and none was installed yet. Only the first install unpacks one:
    /// a later template version's artifact would land on the server's own files, so it is not installed over them.
    /// </summary>
    public bool NeedsInstall(GameLaunch? launch) => launch?.Install is not null && InstalledArtifact.TryLoad(MarkerFile) is null;

    /// <summary>
    /// Unpacks the template's artifact into the (empty) server directory; throws <see cref="RuntimeInstallException"/> with
    /// the reason, leaving the server directory as it was.
    /// </summary>
    public async Task InstallAsync(string template, GameLaunch launch, CancellationToken cancellationToken)
    {
        var artifact = launch.Install ?? throw new ArgumentException("The launch has no install artifact.", nameof(launch));
        var spec = new ArtifactSpec(new Uri(artifact.Url), artifact.Sha256.ToLowerInvariant(), artifact.SizeBytes, $"template {template}");
        var parent = Path.GetDirectoryName(Path.GetFullPath(serverDirectory))!;
        var staging = Path.Combine(parent, $".install-{Guid.NewGuid():N}");
        var temp = Path.Combine(stateDirectory, "downloads");
        string? archive = null;
        try
        {
            Report(template, launch, "downloading", 0, artifact.SizeBytes);
            LogInstalling(logger, template, launch.TemplateVersion, artifact.Url, artifact.SizeBytes);
            archive = await downloader.DownloadAsync(spec, temp, (done, total) => Report(template, launch, "downloading", done, total), cancellationToken);
            Report(template, launch, "extracting", artifact.SizeBytes, artifact.SizeBytes);
            await extractor.ExtractAsync(archive, staging, cancellationToken);
            MoveIntoPlace(staging);
            new InstalledArtifact(artifact.Sha256.ToLowerInvariant(), launch.TemplateVersion).Save(MarkerFile);
            LogInstalled(logger, template, launch.TemplateVersion);
        }
        finally
        {
            Volatile.Write(ref _progress, null);
            if (Directory.Exists(staging))
            {
                TreeRemover.RemoveTree(staging);
            }

            if (archive is not null)
            {
                File.Delete(archive);
            }
        }
    }

    /// <summary>Writes the rendered config files (whole), <c>{{serverDir}}</c> filled in; creates their directories.</summary>
    public async Task WriteConfigFilesAsync(GameLaunch launch, CancellationToken cancellationToken)
    {
        if (launch.ConfigFiles is not { Count: > 0 } files)
        {
            return;
        }

        Directory.CreateDirectory(serverDirectory);
        using var root = ConfinedRoot.Open(serverDirectory, filesOptions, FileRootPolicy.Unrestricted);
        foreach (var file in files)
        {
            var relative = ConfinedRoot.NormalizeNotRoot(file.Path);
            var directory = "";
            foreach (var part in relative.Split('/')[..^1])
            {
                directory = directory.Length == 0 ? part : directory + "/" + part;
                if (root.Describe(directory) is null)
                {
                    root.MakeDirectory(directory);
                }
            }

            var content = GameTemplateRules.Fill(file.Content, name => name == GameTemplateRules.ServerDir ? serverDirectory : null);
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));
            await root.WriteAsync(relative, stream, cancellationToken);
        }
    }

    /// <summary>Runs between clearing the empty server directory's name and renaming the staging tree onto it: a test's window for a racing tenant.</summary>
    internal Action? BeforeRename { get; set; }

    /// <summary>
    /// Renames <paramref name="staging"/> onto the server directory's name between directory descriptors, never by path:
    /// the parent is opened without following a link, the old server directory is removed by rmdir (which never follows a
    /// link and refuses a directory that is not empty), and the rename refuses a name taken since (RENAME_NOREPLACE) —
    /// so a link a tenant swaps in at any moment is refused, not written through.
    /// </summary>
    private void MoveIntoPlace(string staging)
    {
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(serverDirectory));
        var name = Path.GetFileName(target);
        using var parent = OpenDirectory(Path.GetDirectoryName(target)!);
        using var stagingParent = OpenDirectory(Path.GetDirectoryName(Path.GetFullPath(staging))!);

        var removed = FileSyscalls.Unlink(parent, name, FileSyscalls.AtRemoveDirectory);
        switch (removed)
        {
            case 0 or FileSyscalls.ENOENT:
                break;
            case FileSyscalls.ENOTEMPTY or FileSyscalls.EEXIST:
                throw new RuntimeInstallException(InstallFailure.UnsafeArchive, "the server directory is not empty; a template installs only into an empty one, so nothing was installed");
            case FileSyscalls.ENOTDIR:
                throw NotADirectory();
            default:
                throw FileOperationException.FromErrno(removed, serverDirectory);
        }

        BeforeRename?.Invoke();
        var renamed = FileSyscalls.Rename(stagingParent, Path.GetFileName(staging), parent, name, FileSyscalls.RenameNoReplace);
        if (renamed == FileSyscalls.EEXIST)
        {
            throw NotADirectory();
        }

        if (renamed != 0)
        {
            throw FileOperationException.FromErrno(renamed, serverDirectory);
        }
    }

    private static RuntimeInstallException NotADirectory() =>
        new(InstallFailure.UnsafeArchive, "the server directory is not a directory; nothing was installed");

    private static SafeFileHandle OpenDirectory(string path)
    {
        // O_NOFOLLOW: the last name is not followed either; the agent's own data root leads here.
        var fd = FileSyscalls.OpenAt(
            AtCurrentDirectory, path, FileSyscalls.ODirectory | FileSyscalls.ONoFollow | FileSyscalls.ORead | FileSyscalls.OCloseOnExec, 0, out var errno);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw FileOperationException.FromErrno(errno, path);
    }

    private void Report(string template, GameLaunch launch, string phase, long done, long total) =>
        Volatile.Write(ref _progress, new InstallProgress(template, launch.TemplateVersion, phase, done, total));

    [LoggerMessage(Level = LogLevel.Information, Message = "Installing template {Template} {TemplateVersion} from {ArtifactUrl} ({SizeBytes} bytes)")]
    private static partial void LogInstalling(ILogger logger, string template, string templateVersion, string artifactUrl, long sizeBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Template {Template} {TemplateVersion} installed into the server directory")]
    private static partial void LogInstalled(ILogger logger, string template, string templateVersion);
}

/// <summary>Which artifact the server directory holds (its sha256), so an install happens once.</summary>
internal sealed record InstalledArtifact(string Sha256, string TemplateVersion)
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new() { WriteIndented = true };

    public static InstalledArtifact? TryLoad(string path) => AtomicFile.TryReadJson<InstalledArtifact>(path, Json);

    public void Save(string path) => AtomicFile.WriteJson(path, this, Json);
}

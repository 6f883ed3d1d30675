using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Runtimes;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>
/// Installs code-server from its artifact into <c>&lt;root&gt;/services/code-server</c>: the same hash-checked download
/// and safe extraction as runtimes, verified with <c>bin/code-server --version</c> in staging, then swapped in by
/// rename. An identical artifact already installed is a no-op.
/// </summary>
internal sealed class CodeServerInstaller(
    IOptions<CodeServerOptions> options,
    DevPaths paths,
    ArtifactDownloader downloader,
    SafeTarExtractor extractor,
    RuntimeVerifier verifier,
    ILogger<CodeServerInstaller> logger) : IDisposable
{
    public const string EntryPoint = "bin/code-server";

    private readonly SemaphoreSlim _guard = new(1, 1);

    public string InstallDirectory => Path.Combine(paths.ServicesRoot, "code-server");

    public string Launcher => Path.Combine(InstallDirectory, EntryPoint);

    private string MarkerFile => Path.Combine(paths.ServicesRoot, ".code-server.json");

    /// <summary>Installs the configured artifact unless it is already there; throws <see cref="RuntimeInstallException"/> with the reason.</summary>
    public async Task<bool> EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        var artifact = Artifact();
        await _guard.WaitAsync(cancellationToken);
        string? archive = null;
        var staging = Path.Combine(paths.ServicesRoot, $".staging-code-server-{Guid.NewGuid():N}");
        try
        {
            if (File.Exists(Launcher) && InstalledSha256() == artifact.Sha256)
            {
                return false;
            }

            CodeServerLog.Installing(logger, artifact.Url, artifact.SizeBytes);
            archive = await downloader.DownloadAsync(artifact, paths.TempRoot, progress: null, cancellationToken);
            await extractor.ExtractAsync(archive, staging, cancellationToken);
            if (!File.Exists(Path.Combine(staging, EntryPoint)))
            {
                throw new RuntimeInstallException(InstallFailure.VerifyFailed, $"the code-server artifact has no {EntryPoint}");
            }

            // Verified before it replaces anything, so a bad artifact leaves the installed one in place.
            var printed = await verifier.VerifyAsync(staging, "bin", [EntryPoint, "--version"], cancellationToken);
            var version = CodeServerVersion.Parse(printed.Output)
                ?? throw new RuntimeInstallException(
                    InstallFailure.VerifyFailed,
                    $"{EntryPoint} --version printed no version: {RelativePath.Printable(printed.Output.Split('\n')[0])}");
            if (Directory.Exists(InstallDirectory))
            {
                // A running code-server keeps its open files; it runs the new version after its next start.
                var old = Path.Combine(paths.ServicesRoot, $".trash-code-server-{Guid.NewGuid():N}");
                Directory.Move(InstallDirectory, old);
                Directory.Delete(old, recursive: true);
            }

            Directory.Move(staging, InstallDirectory);
            await File.WriteAllTextAsync(MarkerFile, JsonSerializer.Serialize(new InstalledMarker(artifact.Sha256, version)), cancellationToken);
            CodeServerLog.Installed(logger, version, InstallDirectory);
            return true;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            if (archive is not null)
            {
                File.Delete(archive);
            }

            _guard.Release();
        }
    }

    private ArtifactSpec Artifact()
    {
        var settings = options.Value;
        if (settings.ArtifactUrl is null || settings.ArtifactSha256 is null)
        {
            throw new RuntimeInstallException(
                InstallFailure.InvalidEntry,
                $"code-server is enabled but no artifact is configured ({CodeServerOptions.SectionName}:ArtifactUrl, ArtifactSha256, ArtifactSizeBytes)");
        }

        return new ArtifactSpec(new Uri(settings.ArtifactUrl), settings.ArtifactSha256.ToLowerInvariant(), settings.ArtifactSizeBytes, "the agent configuration");
    }

    private string? InstalledSha256()
    {
        try
        {
            return File.Exists(MarkerFile) ? JsonSerializer.Deserialize<InstalledMarker>(File.ReadAllText(MarkerFile))?.Sha256 : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _guard.Dispose();

    private sealed record InstalledMarker(string Sha256, string Version);
}

using System.Security.Cryptography;

namespace ZlhGrind.Tools.Seed;

/// <summary>
/// A runtime catalog entry for an archive <c>NAME-VERSION.tar.gz</c> of the local artifact store, whose program is
/// <c>bin/NAME</c> and answers <c>--version</c> (the body of <c>POST /api/dev/runtimes</c>).
/// </summary>
internal sealed record CatalogEntry(string Name, string Version, Uri ArtifactUrl, string Sha256, long SizeBytes, string BinPath, IReadOnlyList<string> VerifyCommand)
{
    public static CatalogEntry ForArchive(string name, string version, string artifactsFolder, Uri artifactsUrl)
    {
        var file = $"{name}-{version}.tar.gz";
        var path = Path.Combine(artifactsFolder, file);
        if (!File.Exists(path))
        {
            throw new SeedException($"the artifact {path} of runtime {name} {version} does not exist");
        }

        using var stream = File.OpenRead(path);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new CatalogEntry(name, version, new Uri(artifactsUrl, file), sha256, stream.Length, "bin", ["bin/" + name, "--version"]);
    }
}

using System.Security.Cryptography;
using ZlhGrind.Tools.StandInIde;

namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>The stand-in IDE packed as a code-server artifact from this test run's build output, once per run.</summary>
internal static class StandInIdeArtifact
{
    private static readonly Lazy<byte[]> Package = new(() =>
    {
        var file = Path.Combine(Path.GetTempPath(), $"zlh-standin-{Guid.NewGuid():N}.tar.gz");
        try
        {
            StandInIdePackage.Pack(AppContext.BaseDirectory, file);
            return File.ReadAllBytes(file);
        }
        finally
        {
            File.Delete(file);
        }
    });

    public static byte[] Bytes => Package.Value;

    /// <summary>Publishes the package and returns the configuration keys that point the agent at it.</summary>
    public static Dictionary<string, string?> Publish(ArtifactServer server)
    {
        var url = server.Publish($"code-server-{Guid.NewGuid():N}.tar.gz", Bytes);
        return new Dictionary<string, string?>
        {
            ["Agent:CodeServer:ArtifactUrl"] = url.ToString(),
            ["Agent:CodeServer:ArtifactSha256"] = Convert.ToHexStringLower(SHA256.HashData(Bytes)),
            ["Agent:CodeServer:ArtifactSizeBytes"] = Bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}

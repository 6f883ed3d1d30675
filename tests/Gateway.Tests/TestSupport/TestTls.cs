using ZlhGrind.ClusterTls;

namespace ZlhGrind.Gateway.Tests.TestSupport;

/// <summary>A CA made for this test run as <c>./zlh up</c> makes one; test silos and gateways run their cluster links over TLS with it.</summary>
public static class TestTls
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), $"zlh-gateway-tls-{Environment.ProcessId}-{Guid.NewGuid():N}");
        LocalCertificates.Create(folder);
        return folder;
    });

    /// <summary>A silo's Cluster:Tls settings; it requires client certificates (mutual TLS), which test gateways present.</summary>
    public static Dictionary<string, string?> Silo()
    {
        var settings = LocalCertificates.Settings(Folder.Value, ClusterTlsBuilderExtensions.Section, LocalCertificates.Silo);
        settings["Cluster:Tls:RequireClientCertificate"] = "true";
        return settings;
    }

    /// <summary>A gateway's Cluster:Tls settings with its client certificate.</summary>
    public static Dictionary<string, string?> Gateway() =>
        LocalCertificates.Settings(Folder.Value, ClusterTlsBuilderExtensions.Section, LocalCertificates.Client);

    /// <summary>Adds <paramref name="settings"/> to <paramref name="values"/> and returns it.</summary>
    public static Dictionary<string, string?> With(this Dictionary<string, string?> values, Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        return values;
    }
}

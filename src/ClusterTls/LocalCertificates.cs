using System.Net;

namespace ZlhGrind.ClusterTls;

/// <summary>
/// The certificates of a cluster on one machine (<c>./zlh up</c>, the tests, the benchmarks): a CA, a silo certificate for
/// 127.0.0.1 and localhost and a client certificate, as PEM files in one folder, and the settings that point at them.
/// </summary>
public static class LocalCertificates
{
    public const string Silo = "silo";
    public const string Client = "client";
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(825);

    /// <summary>Creates whatever of ca, silo and client is missing in <paramref name="directory"/>; existing files are kept.</summary>
    public static void Create(string directory)
    {
        var now = DateTimeOffset.UtcNow;
        CertificateFolder.CreateCa(directory, now);
        CertificateFolder.Issue(directory, Silo, ca => CertificateAuthority.Issue(ca, Silo, ClusterTlsRole.Silo, [IPAddress.Loopback], ["localhost"], now, Lifetime))?.Dispose();
        CertificateFolder.Issue(directory, Client, ca => CertificateAuthority.Issue(ca, Client, ClusterTlsRole.Client, [], [], now, Lifetime))?.Dispose();
    }

    /// <summary>
    /// The TLS settings under <paramref name="section"/> (e.g. <c>Cluster:Tls</c>) for a process trusting the CA of
    /// <paramref name="directory"/> and presenting its certificate <paramref name="certificate"/> (none when null).
    /// </summary>
    public static Dictionary<string, string?> Settings(string directory, string section, string? certificate)
    {
        var settings = new Dictionary<string, string?>
        {
            [section + ":Enabled"] = "true",
            [section + ":CaCertificate"] = CertificateFolder.Paths(directory, CertificateFolder.Ca).Certificate,
        };
        if (certificate is not null)
        {
            (settings[section + ":Certificate"], settings[section + ":Key"]) = CertificateFolder.Paths(directory, certificate);
        }

        return settings;
    }
}

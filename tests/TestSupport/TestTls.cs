using Microsoft.Extensions.Configuration;
using ZlhGrind.ClusterTls;

namespace ZlhGrind.Testing;

/// <summary>
/// A CA made for this test run as <c>./zlh up</c> makes one (<c>certs local</c>), plus a silo certificate for an address
/// the tests never use, and a second CA trusted by nobody. Test silos, gateways, clients and agents run their cluster
/// links over TLS with it.
/// </summary>
public static class TestTls
{
    private static readonly Lazy<string> Folder = new(() => Create("zlh-test-tls"));
    private static readonly Lazy<string> OtherFolder = new(() => Create("zlh-test-tls-other"));

    /// <summary>The folder of the run's CA: ca.pem, silo.pem/.key, client.pem/.key, elsewhere.pem/.key (a silo at 10.255.255.1).</summary>
    public static string Directory => Folder.Value;

    /// <summary>Another CA with the same kind of certificates.</summary>
    public static string OtherDirectory => OtherFolder.Value;

    /// <summary>A silo's Cluster:Tls settings; <paramref name="requireClientCertificate"/> makes it mutual TLS (test gateways present one).</summary>
    public static Dictionary<string, string?> Silo(bool requireClientCertificate = false)
    {
        var settings = LocalCertificates.Settings(Directory, ClusterTlsBuilderExtensions.Section, LocalCertificates.Silo);
        if (requireClientCertificate)
        {
            settings["Cluster:Tls:RequireClientCertificate"] = "true";
        }

        return settings;
    }

    /// <summary>A gateway's Cluster:Tls settings with its client certificate.</summary>
    public static Dictionary<string, string?> Gateway() =>
        LocalCertificates.Settings(Directory, ClusterTlsBuilderExtensions.Section, LocalCertificates.Client);

    /// <summary>An agent trusts the CA and presents no certificate: its credential is what identifies it.</summary>
    public static Dictionary<string, string?> Agent() => LocalCertificates.Settings(Directory, "Agent:Cluster:Tls", certificate: null);

    /// <summary>The silo's Cluster:Tls keys, added to <paramref name="values"/>.</summary>
    public static void AddSiloSettings(IDictionary<string, string?> values)
    {
        foreach (var (key, value) in Silo())
        {
            values[key] = value;
        }
    }

    /// <summary>A client's Cluster:Tls section: trusting <paramref name="caDirectory"/>'s CA, presenting <paramref name="certificate"/> when given.</summary>
    public static IConfiguration Client(string? caDirectory = null, string? certificate = LocalCertificates.Client, string? certificateDirectory = null)
    {
        var values = LocalCertificates.Settings(caDirectory ?? Directory, ClusterTlsBuilderExtensions.Section, null);
        if (certificate is not null)
        {
            values["Cluster:Tls:Certificate"] = Path.Combine(certificateDirectory ?? Directory, certificate + ".pem");
            values["Cluster:Tls:Key"] = Path.Combine(certificateDirectory ?? Directory, certificate + ".key");
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    /// <summary>Adds <paramref name="settings"/> to <paramref name="values"/> and returns it.</summary>
    public static Dictionary<string, string?> With(this Dictionary<string, string?> values, Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        return values;
    }

    private static string Create(string prefix)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"{prefix}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        using var output = new StringWriter();
        if (CertsCommand.Run(["certs", "local", folder], output, output) != 0
            || CertsCommand.Run(["certs", "issue", folder, "elsewhere", "silo", "--ip", "10.255.255.1"], output, output) != 0)
        {
            throw new InvalidOperationException("certs failed: " + output);
        }

        return folder;
    }
}

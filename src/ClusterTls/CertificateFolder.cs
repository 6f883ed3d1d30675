using System.Security.Cryptography.X509Certificates;

namespace ZlhGrind.ClusterTls;

/// <summary>
/// A folder of PEM files (<c>DIR/NAME.pem</c>, <c>DIR/NAME.key</c>) holding the platform's CA and the certificates it
/// issued. A certificate or key already there is never overwritten, so a CA is never replaced by accident.
/// </summary>
internal static class CertificateFolder
{
    /// <summary>The file name of the CA.</summary>
    public const string Ca = "ca";

    /// <summary>How many days a CA made here is valid; nothing it issues may outlive it.</summary>
    public const int CaDays = 3650;

    public static (string Certificate, string Key) Paths(string directory, string name) =>
        (Path.Combine(directory, name + ".pem"), Path.Combine(directory, name + ".key"));

    /// <summary>True when the certificate or the key of <paramref name="name"/> is already there.</summary>
    public static bool Holds(string directory, string name)
    {
        var (certificate, key) = Paths(directory, name);
        return File.Exists(certificate) || File.Exists(key);
    }

    /// <summary>Makes the CA unless the folder holds one; true when it was made.</summary>
    public static bool CreateCa(string directory, DateTimeOffset now)
    {
        if (Holds(directory, Ca))
        {
            return false;
        }

        Directory.CreateDirectory(directory);
        var (certificate, key) = Paths(directory, Ca);
        using var ca = CertificateAuthority.CreateCa("ZlhGrind cluster CA " + Environment.MachineName, now, TimeSpan.FromDays(CaDays));
        CertificateAuthority.WritePem(ca, certificate, key);
        return true;
    }

    /// <summary>
    /// Issues <paramref name="name"/> with the folder's CA through <paramref name="issue"/> unless the folder holds it;
    /// the new certificate, or null when kept.
    /// </summary>
    public static X509Certificate2? Issue(string directory, string name, Func<X509Certificate2, X509Certificate2> issue)
    {
        if (Holds(directory, name))
        {
            return null;
        }

        var (caCertificate, caKey) = Paths(directory, Ca);
        var (certificate, key) = Paths(directory, name);
        using var ca = CertificateAuthority.ReadPem(caCertificate, caKey);
        var issued = issue(ca);
        CertificateAuthority.WritePem(issued, certificate, key);
        return issued;
    }
}

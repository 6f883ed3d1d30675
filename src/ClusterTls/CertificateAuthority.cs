using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ZlhGrind.ClusterTls;

/// <summary>
/// The platform's own small CA: a self-signed root that issues silo certificates (server and client use, with the
/// addresses they are reached at) and client certificates (gateways, agents). ECDSA P-256 keeps handshakes cheap.
/// </summary>
public static class CertificateAuthority
{
    /// <summary>A new self-signed CA certificate with its private key.</summary>
    public static X509Certificate2 CreateCa(string name, DateTimeOffset now, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

        // Backdated a little so a peer whose clock runs slightly behind still accepts a fresh certificate.
        return request.CreateSelfSigned(now.AddMinutes(-5), now + lifetime);
    }

    /// <summary>A certificate for <paramref name="role"/> signed by <paramref name="ca"/> (which must hold its key), with its private key.</summary>
    public static X509Certificate2 Issue(
        X509Certificate2 ca,
        string name,
        ClusterTlsRole role,
        IReadOnlyCollection<IPAddress> addresses,
        IReadOnlyCollection<string> dnsNames,
        DateTimeOffset now,
        TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(ca);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var usages = new OidCollection();
        foreach (var usage in CertificateUsage.Required(role))
        {
            usages.Add(new Oid(usage));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (addresses.Count + dnsNames.Count > 0)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (var address in addresses)
            {
                names.AddIpAddress(address);
            }

            foreach (var dns in dnsNames)
            {
                names.AddDnsName(dns);
            }

            request.CertificateExtensions.Add(names.Build());
        }

        var notAfter = now + lifetime < ca.NotAfter ? now + lifetime : new DateTimeOffset(ca.NotAfter.ToUniversalTime());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(ca, now.AddMinutes(-5), notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Writes the certificate to <paramref name="certificatePath"/> and its key to <paramref name="keyPath"/> (mode 0600), both PEM.</summary>
    public static void WritePem(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var key = certificate.GetECDsaPrivateKey() ?? throw new ArgumentException("The certificate holds no ECDSA private key.", nameof(certificate));
        WriteFile(keyPath, key.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteFile(certificatePath, certificate.ExportCertificatePem(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>Reads a certificate and its key written by <see cref="WritePem"/>.</summary>
    public static X509Certificate2 ReadPem(string certificatePath, string keyPath) => X509Certificate2.CreateFromPemFile(certificatePath, keyPath);

    private static void WriteFile(string path, string text, UnixFileMode mode)
    {
        // Created with its final mode, so a private key is never readable by others, not even for a moment.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
        writer.Write('\n');
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ZlhGrind.ClusterTls;

/// <summary>The certificates a process runs its cluster links with, read from the PEM files its options name.</summary>
public sealed class ClusterTlsMaterial
{
    private ClusterTlsMaterial(PinnedCa ca, X509Certificate2? certificate, ClusterTlsOptions options)
    {
        Ca = ca;
        Certificate = certificate;
        RequireClientCertificate = options.RequireClientCertificate;
        HandshakeTimeout = options.HandshakeTimeout;
    }

    public PinnedCa Ca { get; }

    /// <summary>This process's certificate with its private key; null for a client that presents none.</summary>
    public X509Certificate2? Certificate { get; }

    public bool RequireClientCertificate { get; }

    public TimeSpan HandshakeTimeout { get; }

    /// <summary>
    /// Reads and checks the files of <paramref name="options"/>. Returns null with one message per problem, each naming
    /// its key under <paramref name="section"/> (e.g. <c>Cluster:Tls:Certificate</c>). Call only when TLS is enabled.
    /// </summary>
    public static ClusterTlsMaterial? TryLoad(ClusterTlsOptions options, string section, ClusterTlsRole role, List<string> failures)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(failures);
        var before = failures.Count;
        if (options.HandshakeTimeout <= TimeSpan.Zero || options.HandshakeTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{section}:HandshakeTimeout must be between 0 and 00:05:00 (got {options.HandshakeTimeout}).");
        }

        if (role == ClusterTlsRole.Client && options.RequireClientCertificate)
        {
            failures.Add($"{section}:RequireClientCertificate is a silo setting; a client presents {section}:Certificate instead.");
        }

        var ca = ReadCa(options.CaCertificate, $"{section}:CaCertificate", failures);
        var certificate = ReadOwn(options, section, role, failures);
        if (ca is not null && certificate is not null)
        {
            var pinned = new PinnedCa(ca);
            if (pinned.Problem(certificate, CertificateUsage.Required(role)) is { } problem)
            {
                failures.Add($"{section}:Certificate '{options.Certificate}' cannot be used: {problem}.");
            }
        }

        return failures.Count == before && ca is not null ? new ClusterTlsMaterial(new PinnedCa(ca), certificate, options) : null;
    }

    private static X509Certificate2? ReadCa(string? path, string key, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            failures.Add($"{key} is required when TLS is enabled: the PEM file of the platform's CA that every peer's certificate must chain to.");
            return null;
        }

        try
        {
            var ca = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            var constraints = ca.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
            if (constraints is not { CertificateAuthority: true })
            {
                failures.Add($"{key} '{path}' is not a CA certificate (no basic constraint CA=true).");
                return null;
            }

            return ca;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            failures.Add($"{key} '{path}' cannot be read as a PEM certificate: {ex.Message}");
            return null;
        }
    }

    private static X509Certificate2? ReadOwn(ClusterTlsOptions options, string section, ClusterTlsRole role, List<string> failures)
    {
        var hasCertificate = !string.IsNullOrWhiteSpace(options.Certificate);
        var hasKey = !string.IsNullOrWhiteSpace(options.Key);
        if (!hasCertificate && !hasKey)
        {
            if (role == ClusterTlsRole.Silo)
            {
                failures.Add($"{section}:Certificate and {section}:Key are required on a silo when TLS is enabled (issue them with `ZlhGrind.Silo certs issue`).");
            }

            return null;
        }

        if (hasCertificate != hasKey)
        {
            failures.Add($"{section}:{(hasCertificate ? "Key" : "Certificate")} is required with {section}:{(hasCertificate ? "Certificate" : "Key")}.");
            return null;
        }

        try
        {
            var loaded = X509Certificate2.CreateFromPemFile(options.Certificate!, options.Key);
            var now = DateTime.Now;
            if (now < loaded.NotBefore || now > loaded.NotAfter)
            {
                failures.Add($"{section}:Certificate '{options.Certificate}' is valid only from {loaded.NotBefore:u} to {loaded.NotAfter:u}.");
                return null;
            }

            return loaded;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            failures.Add($"{section}:Certificate '{options.Certificate}' with {section}:Key cannot be loaded: {ex.Message}");
            return null;
        }
    }
}

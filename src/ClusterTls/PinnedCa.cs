using System.Security.Cryptography.X509Certificates;

namespace ZlhGrind.ClusterTls;

/// <summary>
/// Checks a peer's certificate against the platform's CA only: a chain built with the CA as its one custom root
/// (the system store is never consulted), ending at exactly that CA, with the usages the peer's role needs.
/// </summary>
public sealed class PinnedCa(X509Certificate2 ca)
{
    public X509Certificate2 Certificate { get; } = ca;

    /// <summary>Null when <paramref name="certificate"/> chains to the CA and allows every usage in <paramref name="usages"/>; else why not.</summary>
    public string? Problem(X509Certificate2 certificate, IReadOnlyCollection<string> usages)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Certificate);

        // The platform's CA publishes no revocation list; a stolen key is answered by a new CA (see the README).
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (!chain.Build(certificate))
        {
            var reasons = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
            return $"it does not chain to the pinned CA '{Certificate.Subject}' ({string.Join(", ", reasons)})";
        }

        var root = chain.ChainElements[^1].Certificate;
        if (!root.RawDataMemory.Span.SequenceEqual(Certificate.RawDataMemory.Span))
        {
            return $"its chain ends at '{root.Subject}', not at the pinned CA";
        }

        foreach (var usage in usages)
        {
            if (!CertificateUsage.Allows(certificate, usage))
            {
                return $"it is not issued for {(usage == CertificateUsage.ServerAuth ? "server" : "client")} authentication";
            }
        }

        return null;
    }
}

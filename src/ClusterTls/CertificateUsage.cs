using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ZlhGrind.ClusterTls;

/// <summary>The extended key usages the cluster relies on: a silo certificate carries both, a client certificate only client use.</summary>
internal static class CertificateUsage
{
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    /// <summary>True when the certificate names <paramref name="oid"/> among its extended key usages (a certificate without the extension allows none here).</summary>
    public static bool Allows(X509Certificate2 certificate, string oid)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509EnhancedKeyUsageExtension usage)
            {
                foreach (Oid granted in usage.EnhancedKeyUsages)
                {
                    if (granted.Value == oid)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>What a certificate of <paramref name="role"/> must allow.</summary>
    public static string[] Required(ClusterTlsRole role) =>
        role == ClusterTlsRole.Silo ? [ServerAuth, ClientAuth] : [ClientAuth];
}

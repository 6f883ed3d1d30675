namespace ZlhGrind.ClusterTls;

/// <summary>
/// TLS on a cluster link (section <c>Cluster:Tls</c> for silos and gateways, <c>Agent:Cluster:Tls</c> for agents).
/// Every path is a PEM file; the CA is pinned: the system trust store is never consulted.
/// </summary>
public sealed class ClusterTlsOptions
{
    /// <summary>The section silos and gateways read; agents read <c>Agent:Cluster:Tls</c>.</summary>
    public const string SectionName = "Cluster:Tls";

    /// <summary>Runs every cluster link of this process over TLS.</summary>
    public bool Enabled { get; set; }

    /// <summary>The platform's CA certificate (PEM): the only root a peer's certificate may chain to.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>This process's certificate (PEM), issued by the CA. Required on silos; optional on clients.</summary>
    public string? Certificate { get; set; }

    /// <summary>The private key of <see cref="Certificate"/> (PEM, PKCS#8 or SEC1).</summary>
    public string? Key { get; set; }

    /// <summary>Silos only: refuse clients (gateways and agents) that present no certificate issued by the CA.</summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>How long a peer may take to complete the handshake before the connection is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Which end of the cluster's links a process is; it decides the certificate it needs and the usages it checks.</summary>
public enum ClusterTlsRole
{
    /// <summary>A silo: accepts silos and clients, connects to silos; needs a certificate for both server and client use.</summary>
    Silo = 0,

    /// <summary>A gateway or an agent: connects to silos; a certificate (client use) is optional.</summary>
    Client = 1,
}

using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Orleans.Connections.Security;

namespace ZlhGrind.ClusterTls;

/// <summary>
/// The TLS settings of each kind of cluster link. Every peer is checked against the pinned CA; a silo's certificate
/// (server and client use) is what separates a silo from a client, so a gateway's or an agent's certificate never
/// opens the silo-to-silo port, and a server's certificate must also name the address it was reached at.
/// </summary>
internal sealed partial class ClusterTlsLinks(ClusterTlsMaterial material, ILogger logger)
{
    private static readonly string[] SiloUsages = CertificateUsage.Required(ClusterTlsRole.Silo);
    private static readonly string[] ClientUsages = CertificateUsage.Required(ClusterTlsRole.Client);

    /// <summary>The silo-to-silo port: only another silo, always with its certificate.</summary>
    public TlsOptions SiloInbound() => Server(RemoteCertificateMode.RequireCertificate, SiloUsages, "silo");

    /// <summary>The client port: gateways and agents, with a client certificate when the silo requires one.</summary>
    public TlsOptions ClientInbound() => Server(
        material.RequireClientCertificate ? RemoteCertificateMode.RequireCertificate : RemoteCertificateMode.AllowCertificate,
        ClientUsages,
        "client");

    /// <summary>A connection this process opens to a silo: the silo must prove it holds a silo certificate for that address.</summary>
    public TlsOptions Outbound()
    {
        var options = new TlsOptions
        {
            LocalCertificate = material.Certificate,
            ClientCertificateMode = material.Certificate is null ? RemoteCertificateMode.NoCertificate : RemoteCertificateMode.RequireCertificate,
            RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
            HandshakeTimeout = material.HandshakeTimeout,
            RemoteCertificateValidation = (certificate, _, errors) => Accept(certificate, errors, SiloUsages, "silo", checkName: true),
        };

        // The name checked is the address dialled: silos and gateways reach silos at the addresses membership gives.
        options.OnAuthenticateAsClient = (connection, authentication) =>
        {
            if (connection.RemoteEndPoint is IPEndPoint endpoint)
            {
                authentication.TargetHost = endpoint.Address.ToString();
            }
        };
        return options;
    }

    private TlsOptions Server(RemoteCertificateMode mode, string[] usages, string peer) => new()
    {
        LocalCertificate = material.Certificate,
        RemoteCertificateMode = mode,
        HandshakeTimeout = material.HandshakeTimeout,
        RemoteCertificateValidation = (certificate, _, errors) => Accept(certificate, errors, usages, peer, checkName: false),
    };

    private bool Accept(X509Certificate2 certificate, SslPolicyErrors errors, string[] usages, string peer, bool checkName)
    {
        // Chain errors are expected (the CA is in no system store) and decided by the pinned chain below.
        if (checkName && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            LogRefused(logger, peer, certificate.Subject, "it does not name the address it was reached at");
            return false;
        }

        if (material.Ca.Problem(certificate, usages) is { } problem)
        {
            LogRefused(logger, peer, certificate.Subject, problem);
            return false;
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster TLS refused a {Peer} certificate {Subject}: {Problem}")]
    private static partial void LogRefused(ILogger logger, string peer, string subject, string problem);
}

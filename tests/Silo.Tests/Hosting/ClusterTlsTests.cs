using System.Security.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Hosting;

/// <summary>
/// TLS on the client port of a real silo on loopback (real TCP, real Orleans clients): who gets in and the exact refusal
/// of everyone else. Orleans retries a refused gateway for minutes, so each refusal is read from the first failed attempt.
/// </summary>
public sealed class ClusterTlsTests
{
    private const string TlsServer = "Orleans.Connections.Security.TlsServerConnectionMiddleware";
    private const string ClusterTls = "ZlhGrind.ClusterTls";
    private const string Connections = "Orleans.Runtime.Messaging.ConnectionManager";

    [Fact]
    public async Task Client_TrustingThePinnedCa_ReachesTheFilterWithOrWithoutCertificate()
    {
        await using var silo = await LocalSilo.StartAsync(TestClusters.Configuration());
        await using var gateway = await silo.ConnectAsync(AsGateway, tls: TestTls.Client());
        await using var agent = await silo.ConnectAsync(c => c.AddOutgoingGrainCallFilter(new AgentCredentialCallFilter(4200, "not-a-credential")), tls: TestTls.Client(certificate: null));

        var listed = await gateway.Client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).ListAsync(Ops, null);

        Assert.Empty(listed);

        // The link without a client certificate is up too: the call reaches the authorization filter, which refuses it.
        await Assert.ThrowsAsync<CallerRejectedException>(() => agent.Client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).ListAsync(Ops, null));
    }

    [Fact]
    public async Task Client_Plaintext_RefusedByTheSilo()
    {
        var siloLogs = new LogCapture();
        await using var silo = await LocalSilo.StartAsync(TestClusters.Configuration(), logs: siloLogs);
        var plain = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Cluster:Tls:Enabled"] = "false" }).Build();

        var (client, server) = await RefusedAsync(silo, siloLogs, plain, s => s.Category == TlsServer);

        Assert.Equal("Authentication failed", server!.Message);
        Assert.IsType<AuthenticationException>(server.Exception);

        // The client sees the silo hang up: while reading its preamble, or while still writing its own.
        Assert.Contains(
            (client.Exception!.GetType().Name, client.Exception.Message),
            new[] { (nameof(InvalidOperationException), "Connection terminated prematurely"), ("ConnectionAbortedException", "Underlying connection closed") });
    }

    [Fact]
    public async Task Client_TrustingAnotherCa_RefusesTheSilo()
    {
        var siloLogs = new LogCapture();
        await using var silo = await LocalSilo.StartAsync(TestClusters.Configuration(), logs: siloLogs);

        var (client, _) = await RefusedAsync(
            silo,
            siloLogs,
            TestTls.Client(TestTls.OtherDirectory, certificateDirectory: TestTls.OtherDirectory),
            server: null,
            c => c.Category == ClusterTls);

        Assert.StartsWith("Cluster TLS refused a silo certificate CN=silo: it does not chain to the pinned CA 'CN=ZlhGrind cluster CA", client.Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Warning, client.Level);
    }

    [Fact]
    public async Task Client_SiloCertificateForAnotherAddress_RefusesTheSilo()
    {
        var siloLogs = new LogCapture();
        await using var silo = await LocalSilo.StartAsync(
            TestClusters.Configuration(new Dictionary<string, string?>
            {
                ["Cluster:Tls:Certificate"] = Path.Combine(TestTls.Directory, "elsewhere.pem"),
                ["Cluster:Tls:Key"] = Path.Combine(TestTls.Directory, "elsewhere.key"),
            }),
            logs: siloLogs);

        var (client, _) = await RefusedAsync(silo, siloLogs, TestTls.Client(), server: null, c => c.Category == ClusterTls);

        Assert.Equal("Cluster TLS refused a silo certificate CN=elsewhere: it does not name the address it was reached at", client.Message);
    }

    [Fact]
    public async Task Client_WithoutCertificate_RefusedWhenTheSiloRequiresOne()
    {
        var siloLogs = new LogCapture();
        await using var silo = await LocalSilo.StartAsync(
            TestClusters.Configuration(new Dictionary<string, string?> { ["Cluster:Tls:RequireClientCertificate"] = "true" }),
            logs: siloLogs);

        var (_, server) = await RefusedAsync(silo, siloLogs, TestTls.Client(certificate: null), s => s.Category == TlsServer);

        Assert.Equal("Authentication failed", server!.Message);
        Assert.IsType<AuthenticationException>(server.Exception);

        // A gateway presenting its certificate from the CA still gets in.
        await using var gateway = await silo.ConnectAsync(AsGateway, tls: TestTls.Client());
        Assert.Empty(await gateway.Client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).ListAsync(Ops, null));
    }

    [Fact]
    public async Task Client_OwnCertificateFromAnotherCa_FailsAtStartNamingTheKey()
    {
        await using var silo = await LocalSilo.StartAsync(TestClusters.Configuration());
        var tls = TestTls.Client(certificateDirectory: TestTls.OtherDirectory);
        using var client = silo.BuildClient(AsGateway, "zlh-test", tls, logs: null);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => client.StartAsync());

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith($"Cluster:Tls:Certificate '{Path.Combine(TestTls.OtherDirectory, "client.pem")}' cannot be used: it does not chain to the pinned CA", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silo_TlsWithoutCertificate_FailsAtStartNamingTheKeys()
    {
        var configuration = TestClusters.Configuration(new Dictionary<string, string?> { ["Cluster:Tls:Certificate"] = null, ["Cluster:Tls:Key"] = null });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => LocalSilo.StartAsync(configuration));

        Assert.Equal(
            ["Cluster:Tls:Certificate and Cluster:Tls:Key are required on a silo when TLS is enabled (issue them with `ZlhGrind.Silo certs issue`)."],
            error.Failures);
    }

    [Fact]
    public async Task Silo_ClientCertificate_FailsAtStartAsItCannotServe()
    {
        var configuration = TestClusters.Configuration(new Dictionary<string, string?>
        {
            ["Cluster:Tls:Certificate"] = Path.Combine(TestTls.Directory, "client.pem"),
            ["Cluster:Tls:Key"] = Path.Combine(TestTls.Directory, "client.key"),
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => LocalSilo.StartAsync(configuration));

        Assert.Equal(
            [$"Cluster:Tls:Certificate '{Path.Combine(TestTls.Directory, "client.pem")}' cannot be used: it is not issued for server authentication."],
            error.Failures);
    }

    [Fact]
    public async Task Silo_CaFileMissing_FailsAtStartNamingTheKey()
    {
        var missing = Path.Combine(TestTls.Directory, "no-such-ca.pem");
        var configuration = TestClusters.Configuration(new Dictionary<string, string?> { ["Cluster:Tls:CaCertificate"] = missing });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => LocalSilo.StartAsync(configuration));

        Assert.StartsWith($"Cluster:Tls:CaCertificate '{missing}' cannot be read as a PEM certificate: ", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("client", "it is not issued for server authentication")]
    [InlineData("other-silo", "it does not chain to the pinned CA")]
    public async Task SiloPort_PeerWithoutASiloCertificateOfTheCa_Refused(string presented, string problem)
    {
        var siloLogs = new LogCapture();
        await using var silo = await LocalSilo.StartAsync(TestClusters.Configuration(), logs: siloLogs);
        var certificate = presented == "client"
            ? ZlhGrind.ClusterTls.CertificateAuthority.ReadPem(Path.Combine(TestTls.Directory, "client.pem"), Path.Combine(TestTls.Directory, "client.key"))
            : ZlhGrind.ClusterTls.CertificateAuthority.ReadPem(Path.Combine(TestTls.OtherDirectory, "silo.pem"), Path.Combine(TestTls.OtherDirectory, "silo.key"));
        var refused = siloLogs.FirstAsync(e => e.Category == ClusterTls);
        var failed = siloLogs.FirstAsync(e => e.Category == TlsServer);

        // A peer posing as a silo: it completes its side of the handshake with the certificate it has.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, silo.SiloPort);
        var ca = new ZlhGrind.ClusterTls.PinnedCa(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(TestTls.Directory, "ca.pem"))));
        await using var tls = new System.Net.Security.SslStream(
            tcp.GetStream(),
            false,
            (_, server, _, _) => server is System.Security.Cryptography.X509Certificates.X509Certificate2 silo && ca.Problem(silo, ["1.3.6.1.5.5.7.3.1"]) is null);
        var handshake = await Record.ExceptionAsync(() => tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ClientCertificates = [certificate],
        }));
        int? bytes = null;
        var error = handshake;
        if (error is null)
        {
            try
            {
                bytes = await tls.ReadAsync(new byte[1]);
            }
            catch (IOException e)
            {
                error = e;
            }
        }

        var log = await refused.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith($"Cluster TLS refused a silo certificate {certificate.Subject}: {problem}", log.Message, StringComparison.Ordinal);
        Assert.IsType<AuthenticationException>((await failed.WaitAsync(TimeSpan.FromSeconds(30))).Exception);

        // The peer learns it at the handshake (TLS 1.2) or at its first read (TLS 1.3): never a silo's preamble.
        Assert.True(bytes == 0 || error is AuthenticationException or IOException, $"read {bytes} bytes, error {error}");
    }

    private static void AsGateway(IClientBuilder client) => client.AddOutgoingGrainCallFilter(new ServiceKeyCallFilter(CallAs.ServiceKey));

    /// <summary>
    /// Starts a client with <paramref name="tls"/>, waits for its first refused connection (and the silo's log of it),
    /// then gives up the start; returns the client's and the silo's events. No grain call gets through meanwhile.
    /// </summary>
    private static async Task<(LogCapture.Entry Client, LogCapture.Entry? Server)> RefusedAsync(
        LocalSilo silo,
        LogCapture siloLogs,
        IConfiguration tls,
        Func<LogCapture.Entry, bool>? server,
        Func<LogCapture.Entry, bool>? client = null)
    {
        var clientLogs = new LogCapture();
        using var host = silo.BuildClient(AsGateway, "zlh-test", tls, clientLogs);
        using var giveUp = new CancellationTokenSource();
        var start = host.StartAsync(giveUp.Token);

        var refused = await clientLogs.FirstAsync(client ?? (e => e.Category == Connections && e.Message.StartsWith("Connection attempt to endpoint", StringComparison.Ordinal)))
            .WaitAsync(TimeSpan.FromSeconds(30));
        var serverSide = server is null ? null : await siloLogs.FirstAsync(server).WaitAsync(TimeSpan.FromSeconds(30));
        await giveUp.CancelAsync();
        var startError = await Record.ExceptionAsync(() => start);

        // The start ends in a cancellation or the connection failure, whichever Orleans observes first; never in a connected client.
        Assert.NotNull(startError);
        return (refused, serverSide);
    }
}

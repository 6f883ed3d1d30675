using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ZlhGrind.Gateway.Api;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.IdeBootstrap;

[Collection(GatewayCollection.Name)]
public sealed class IdeBootstrapHttpsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Redeem_OverHttps_CookieIsSecure()
    {
        var certificate = Path.Combine(Path.GetTempPath(), "zlh-gateway-test-" + Guid.NewGuid().ToString("N") + ".pfx");
        using var serverCertificate = SelfSigned();
        await File.WriteAllBytesAsync(certificate, serverCertificate.Export(X509ContentType.Pfx, "test"));
        try
        {
            await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Client, fixture.Clock, extra: new Dictionary<string, string?>
            {
                ["urls"] = null,
                ["Kestrel:Endpoints:Https:Url"] = "https://127.0.0.1:0",
                ["Kestrel:Endpoints:Https:Certificate:Path"] = certificate,
                ["Kestrel:Endpoints:Https:Certificate:Password"] = "test",
            });
            var (id, _) = await fixture.ProvisionDevAsync("https-user");
            using var portal = fixture.CreateClient(TestTokens.For("https-user"));
            var grant = await (await portal.PostAsync($"/api/dev/{id}/ide-token", null)).Content.ReadFromJsonAsync<IdeTokenResponse>(Json.Options);
            using var browser = new HttpClient(new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == serverCertificate.GetCertHashString() },
            })
            { BaseAddress = new Uri(gateway.Urls.Single(u => u.StartsWith("https", StringComparison.Ordinal))) };

            var response = await browser.GetAsync(grant!.Url);

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            var attributes = response.Headers.GetValues("Set-Cookie").Single().Split("; ").Select(a => a.ToLowerInvariant());
            Assert.Contains("secure", attributes);
        }
        finally
        {
            File.Delete(certificate);
        }
    }

    [Fact]
    public async Task Redeem_HttpsClaimedByTrustedProxyOnly_CookieSecureOnlyThen()
    {
        await using var behindProxy = await GatewayFixture.StartGatewayAsync(fixture.Client, fixture.Clock, extra: new Dictionary<string, string?>
        {
            ["Proxy:KnownProxies:0"] = "127.0.0.1",
        });
        var (id, _) = await fixture.ProvisionDevAsync("proxy-user");

        var viaProxy = await RedeemAsync(new Uri(behindProxy.Urls.First()), id, "proxy-user");
        var spoofed = await RedeemAsync(fixture.BaseAddress, id, "proxy-user");

        Assert.Contains("secure", viaProxy);
        Assert.DoesNotContain("secure", spoofed);
    }

    private async Task<string[]> RedeemAsync(Uri gateway, long id, string userId)
    {
        using var portal = fixture.CreateClient(TestTokens.For(userId));
        var grant = await (await portal.PostAsync($"/api/dev/{id}/ide-token", null)).Content.ReadFromJsonAsync<IdeTokenResponse>(Json.Options);
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = gateway };
        using var request = new HttpRequestMessage(HttpMethod.Get, grant!.Url);
        request.Headers.Add("X-Forwarded-Proto", "https");
        var response = await browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.GetValues("Set-Cookie").Single().Split("; ").Select(a => a.ToLowerInvariant()).ToArray();
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}

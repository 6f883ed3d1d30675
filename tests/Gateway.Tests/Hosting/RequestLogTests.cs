using System.Net;
using Serilog.Events;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.Hosting;

[Collection(GatewayCollection.Name)]
public sealed class RequestLogTests(GatewayFixture fixture)
{
    private const string TunnelFailed = "IDE tunnel to container {ContainerId} failed: {ForwarderError}";

    [Fact]
    public async Task Tunnel_ServedRequestIsNotLogged_FailedOneIsAWarningNamingItsContainer()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("log-quiet");
        var (brokenId, agent) = await fixture.ProvisionDevAsync("log-broken");
        var closed = FreePorts.ClosedEndpoint();
        await fixture.SetAddressAsync(brokenId, closed);
        await agent.BecomeReadyAsync(closed);
        var brokenSession = await fixture.OpenIdeSessionAsync("log-broken", brokenId);
        var quietPath = "/quiet-" + Guid.NewGuid().ToString("N");
        var failed = fixture.Logs.WhenLogged(TunnelFailed, e => e.Properties["ContainerId"].ToString() == brokenId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var browser = fixture.CreateClient();

        var served = await SendAsync(browser, id, session, quietPath);
        var broken = await SendAsync(browser, brokenId, brokenSession, "/");

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, broken.StatusCode);
        var line = await failed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(LogEventLevel.Warning, line.Level);
        Assert.DoesNotContain(fixture.Logs.Lines, l => l.Contains(quietPath, StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient browser, long id, string session, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}{path}");
        request.Headers.Add("Cookie", $"zlh_ide={session}");
        return await browser.SendAsync(request);
    }
}

using System.Net;
using Serilog.Events;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.Hosting;

[Collection(GatewayCollection.Name)]
public sealed class RequestLogTests(GatewayFixture fixture)
{
    private const string RequestLine = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";

    [Fact]
    public async Task Tunnel_ServedRequestIsNotLogged_FailedOneIsAWarningWithItsTunnelPrefix()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("log-quiet");
        var (brokenId, agent) = await fixture.ProvisionDevAsync("log-broken");
        await agent.BecomeReadyAsync(LoopbackPorts.ClosedEndpoint());
        var brokenSession = await fixture.OpenIdeSessionAsync("log-broken", brokenId);
        var quietPath = "/quiet-" + Guid.NewGuid().ToString("N");
        var failed = fixture.Logs.WhenLogged(RequestLine, e => e.Properties.TryGetValue("RequestPathBase", out var pathBase) && pathBase.ToString() == $"\"/__ide/{brokenId}\"");
        using var browser = fixture.CreateClient();

        var served = await SendAsync(browser, id, session, quietPath);
        var broken = await SendAsync(browser, brokenId, brokenSession, "/");

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, broken.StatusCode);

        // The failed request's line comes after the served one's would have (one connection, one request at a time).
        var line = await failed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(LogEventLevel.Warning, line.Level);
        Assert.Equal("\"/\"", line.Properties["RequestPath"].ToString());
        Assert.DoesNotContain(fixture.Logs.Lines, l => l.Contains(quietPath, StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient browser, long id, string session, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}{path}");
        request.Headers.Add("Cookie", $"zlh_ide={session}");
        return await browser.SendAsync(request);
    }
}

using System.Net.Http.Json;
using ZlhGrind.Gateway.Api;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.Hosting;

[Collection(GatewayCollection.Name)]
public sealed class LogRedactionTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Logs_WholeIdeFlowAndRefusals_NeverContainTokensCookiesOrBearer()
    {
        var bearer = TestTokens.For("logs-user");
        var (id, agent) = await fixture.ProvisionDevAsync("logs-user");
        await fixture.SetAddressAsync(id, fixture.Upstream.Endpoint);
        await agent.BecomeReadyAsync(fixture.Upstream.Endpoint);
        using var portal = fixture.CreateClient(bearer);
        var grant = await (await portal.PostAsync($"/api/dev/{id}/ide-token", null)).Content.ReadFromJsonAsync<IdeTokenResponse>(Json.Options);
        var token = grant!.Url[(grant.Url.IndexOf("token=", StringComparison.Ordinal) + "token=".Length)..];
        using var browser = fixture.CreateClient();
        var redeemed = await browser.GetAsync(grant.Url);
        var session = GatewayFixture.SessionFrom(redeemed);
        var replay = await browser.GetAsync(grant.Url);
        using var proxied = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}/file?tkn=secret-query");
        proxied.Headers.Add("Cookie", $"zlh_ide={session}");
        await browser.SendAsync(proxied);
        using var wrongContainer = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id + 100_000}/");
        wrongContainer.Headers.Add("Cookie", $"zlh_ide={session}");
        await browser.SendAsync(wrongContainer);
        await portal.GetAsync("/api/servers/abc/status");

        var lines = fixture.Logs.Lines;

        Assert.True(lines.Any(l => l.Contains($"/api/dev/{id}/ide", StringComparison.Ordinal)), string.Join("\n", lines.Where(l => l.StartsWith("HTTP", StringComparison.Ordinal))));
        Assert.All(lines, l =>
        {
            Assert.DoesNotContain(token, l, StringComparison.Ordinal);
            Assert.DoesNotContain(session, l, StringComparison.Ordinal);
            Assert.DoesNotContain(bearer, l, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-query", l, StringComparison.Ordinal);
        });
    }
}

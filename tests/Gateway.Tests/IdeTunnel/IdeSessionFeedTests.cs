using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Gateway.IdeTunnel;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

/// <summary>The tunnel with the cluster's session feed on: lookups outlive the TTL while the feed answers.</summary>
[Collection(GatewayCollection.Name)]
public sealed class IdeSessionFeedTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Proxy_FeedAnswering_SessionServedPastTtlWithoutLookups_RevocationBitesAtTheNextPoll()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("feed-revoke");
        var clock = new FakeTimeProvider(fixture.Clock.GetUtcNow());
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Client, clock, extra: new Dictionary<string, string?>
        {
            ["IdeTunnel:SessionFeedPollInterval"] = "00:00:01",
        });
        var feed = gateway.Services.GetRequiredService<IdeSessionFeed>();
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(gateway.Urls.First()) };
        await PollAsync(feed, clock);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(browser, id, session)).StatusCode);
        var afterFirst = fixture.SessionLookups(id);

        for (var second = 0; second < 8; second++)
        {
            await PollAsync(feed, clock);
        }

        var pastTtl = await SendAsync(browser, id, session);
        var lookupsPastTtl = fixture.SessionLookups(id);
        using var portal = fixture.CreateClient(TestTokens.For("feed-revoke"));
        Assert.Equal(HttpStatusCode.OK, (await portal.DeleteAsync($"/api/dev/{id}/ide-sessions")).StatusCode);
        await PollAsync(feed, clock);
        var afterRevoke = await SendAsync(browser, id, session);

        Assert.Equal(HttpStatusCode.OK, pastTtl.StatusCode);
        Assert.Equal(afterFirst, lookupsPastTtl);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
    }


    /// <summary>One second on the gateway's clock, and the feed poll it starts answered and applied.</summary>
    private static async Task PollAsync(IdeSessionFeed feed, FakeTimeProvider clock)
    {
        var applied = feed.NextPollAppliedAsync();
        clock.Advance(TimeSpan.FromSeconds(1));
        await applied.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient browser, long id, string session)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}/");
        request.Headers.Add("Cookie", $"zlh_ide={session}");
        var response = await browser.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}

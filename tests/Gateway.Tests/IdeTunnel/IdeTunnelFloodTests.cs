using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ZlhGrind.Gateway.IdeTunnel;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

/// <summary>Random cookies, unknown ids and token guessing from one address, against gateways with small per-address budgets.</summary>
[Collection(GatewayCollection.Name)]
public sealed class IdeTunnelFloodTests(GatewayFixture fixture)
{
    private const int LookupBudget = 20;

    [Fact]
    public async Task Proxy_TenThousandRandomCookies_LookupsAndCacheBoundedLegitSessionStillServed()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("flood-cookies");
        await using var gateway = await BudgetedGatewayAsync();
        using var browser = Browser(gateway);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(browser, id, session, "/legit-before")).StatusCode);
        var before = fixture.SessionLookups(id);
        var answers = new ConcurrentDictionary<HttpStatusCode, int>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 10_000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
        {
            var random = Base64Url(RandomNumberGenerator.GetBytes(32));
            var response = await SendAsync(browser, id, random, "/flood");
            answers.AddOrUpdate(response.StatusCode, 1, static (_, n) => n + 1);
        });
        var legitAfter = await SendAsync(browser, id, session, "/legit-after");
        var cache = gateway.Services.GetRequiredService<IdeSessionCache>();

        // The legitimate session took one permit; the flood got the rest, then only 429 pages.
        Assert.Equal(LookupBudget - 1, answers[HttpStatusCode.Unauthorized]);
        Assert.Equal(10_000 - (LookupBudget - 1), answers[HttpStatusCode.TooManyRequests]);
        Assert.Equal(2, answers.Count);
        Assert.Equal(before + LookupBudget - 1, fixture.SessionLookups(id));
        Assert.Equal(1, cache.Count);
        Assert.Equal(LookupBudget - 1, cache.NegativeCount);
        Assert.Equal(HttpStatusCode.OK, legitAfter.StatusCode);
        Assert.Equal("upstream GET /legit-after", await legitAfter.Content.ReadAsStringAsync());
        Assert.DoesNotContain(fixture.Upstream.Requests, r => r.Path == "/flood");
    }

    [Fact]
    public async Task Proxy_UnknownIdAskedTwice_OneRegistryLookupThenRemembered()
    {
        await using var gateway = await BudgetedGatewayAsync();
        using var browser = Browser(gateway);
        const long unknown = 987_654_321;
        var registry = fixture.Client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).GetGrainId();
        var before = fixture.Calls.Count(registry, nameof(IContainerRegistryGrain.GetKindAsync));

        var first = await SendAsync(browser, unknown, Base64Url(RandomNumberGenerator.GetBytes(32)), "/");
        var second = await SendAsync(browser, unknown, Base64Url(RandomNumberGenerator.GetBytes(32)), "/");

        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        Assert.Equal(before + 1, fixture.Calls.Count(registry, nameof(IContainerRegistryGrain.GetKindAsync)));
    }

    [Fact]
    public async Task Redeem_GuessedTokensPastTheAddressBudget_429PageWithRetryAfter()
    {
        var (id, _) = await fixture.ProvisionDevAsync("flood-redeem");
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Client, fixture.Clock, extra: new Dictionary<string, string?>
        {
            ["IdeTokens:RedeemPermitLimit"] = "3",
        });
        using var browser = Browser(gateway);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;

        for (var i = 0; i < 4; i++)
        {
            last = await browser.GetAsync($"/api/dev/{id}/ide?token={Base64Url(RandomNumberGenerator.GetBytes(32))}");
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal("text/html; charset=utf-8", last!.Content.Headers.ContentType?.ToString());
        Assert.Contains("Too many IDE links were opened from this address", await last.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(last.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.False(last.Headers.Contains("Set-Cookie"));
    }

    private Task<WebApplication> BudgetedGatewayAsync() =>
        GatewayFixture.StartGatewayAsync(fixture.Client, fixture.Clock, extra: new Dictionary<string, string?>
        {
            ["IdeTunnel:LookupPermitLimit"] = LookupBudget.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["IdeTunnel:LookupWindow"] = "01:00:00",
        });

    private static HttpClient Browser(WebApplication gateway) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(gateway.Urls.First()) };

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task<HttpResponseMessage> SendAsync(HttpClient browser, long id, string session, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}{path}");
        request.Headers.Add("Cookie", $"zlh_ide={session}");
        var response = await browser.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}

using System.Net;
using System.Net.Http.Json;
using ZlhGrind.Gateway.Api;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.IdeBootstrap;

[Collection(GatewayCollection.Name)]
public sealed class IdeBootstrapTests(GatewayFixture fixture)
{
    [Fact]
    public async Task IdeToken_Owner_GetsBootstrapUrlValidForSixtySeconds()
    {
        var (id, _) = await fixture.ProvisionDevAsync("boot-url");
        using var portal = fixture.CreateClient(TestTokens.For("boot-url"));

        var response = await portal.PostAsync($"/api/dev/{id}/ide-token", null);
        var grant = await response.Content.ReadFromJsonAsync<IdeTokenResponse>(Json.Options);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith($"/api/dev/{id}/ide?token=", grant!.Url, StringComparison.Ordinal);
        Assert.Equal(fixture.Clock.GetUtcNow() + TimeSpan.FromSeconds(60), grant.ExpiresAt);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Redeem_ValidToken_SetsScopedCookieAndRedirectsToTunnel()
    {
        var (id, _) = await fixture.ProvisionDevAsync("boot-redeem");
        var url = await IssueAsync("boot-redeem", id);
        using var browser = fixture.CreateClient();

        var response = await browser.GetAsync(url);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/__ide/{id}/", response.Headers.Location?.OriginalString);
        var cookie = response.Headers.GetValues("Set-Cookie").Single();
        var attributes = cookie.Split("; ").Skip(1).Select(a => a.ToLowerInvariant()).ToHashSet();
        Assert.Matches("^zlh_ide=[A-Za-z0-9_-]{43};", cookie);
        Assert.Contains($"path=/__ide/{id}/", attributes);
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=lax", attributes);
        Assert.Contains("max-age=43200", attributes);
        Assert.DoesNotContain("secure", attributes);
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task Redeem_SameTokenTwice_SecondRefused401()
    {
        var (id, _) = await fixture.ProvisionDevAsync("boot-replay");
        var url = await IssueAsync("boot-replay", id);
        using var browser = fixture.CreateClient();

        var first = await browser.GetAsync(url);
        var replay = await browser.GetAsync(url);

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.False(replay.Headers.Contains("Set-Cookie"));
        Assert.Contains("already used", await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redeem_ExpiredToken_Refused401()
    {
        var (id, _) = await fixture.ProvisionDevAsync("boot-expired");
        var url = await IssueAsync("boot-expired", id);
        using var browser = fixture.CreateClient();

        fixture.Clock.Advance(TimeSpan.FromSeconds(60));
        var response = await browser.GetAsync(url);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Contains("expired", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redeem_TokenOfAnotherContainer_Refused401()
    {
        var (a, _) = await fixture.ProvisionDevAsync("boot-cross");
        var (b, _) = await fixture.ProvisionDevAsync("boot-cross");
        var urlForA = await IssueAsync("boot-cross", a);
        using var browser = fixture.CreateClient();

        var response = await browser.GetAsync(urlForA.Replace($"/api/dev/{a}/", $"/api/dev/{b}/", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync(urlForA)).StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?token=")]
    [InlineData("?token=not%20base64!")]
    [InlineData("?token=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw")]
    public async Task Redeem_MissingOrBogusToken_Refused401Page(string query)
    {
        var (id, _) = await fixture.ProvisionDevAsync("boot-bogus");
        using var browser = fixture.CreateClient();

        var response = await browser.GetAsync($"/api/dev/{id}/ide{query}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task Redeem_GameContainerId_Refused401()
    {
        using var portal = fixture.CreateClient(TestTokens.For("boot-game"));
        var created = await portal.PostAsJsonAsync("/api/servers", new { template = "generic", startCommand = "java -jar server.jar", memoryMb = 1024 });
        var game = (await created.Content.ReadFromJsonAsync<Grains.Containers.ProvisionResult>(Json.Options))!.ContainerId;
        using var browser = fixture.CreateClient();

        var response = await browser.GetAsync($"/api/dev/{game}/ide?token=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task IdeToken_NonOwner_404AndNoBearer_401()
    {
        var (id, _) = await fixture.ProvisionDevAsync("boot-owner");
        using var stranger = fixture.CreateClient(TestTokens.For("boot-stranger"));
        using var anonymous = fixture.CreateClient();

        var notOwner = await stranger.PostAsync($"/api/dev/{id}/ide-token", null);
        var noBearer = await anonymous.PostAsync($"/api/dev/{id}/ide-token", null);

        Assert.Equal(HttpStatusCode.NotFound, notOwner.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noBearer.StatusCode);
    }

    [Fact]
    public async Task IdeToken_MoreThanLimitPerUser_429ForThatUserOnly()
    {
        var (id, _) = await fixture.ProvisionDevAsync("boot-rate");
        using var portal = fixture.CreateClient(TestTokens.For("boot-rate"));
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < GatewayFixture.TokenRateLimit + 1; i++)
        {
            last = await portal.PostAsync($"/api/dev/{id}/ide-token", null);
            statuses.Add(last.StatusCode);
        }

        var (other, _) = await fixture.ProvisionDevAsync("boot-rate-other");
        using var otherPortal = fixture.CreateClient(TestTokens.For("boot-rate-other"));
        var otherUser = await otherPortal.PostAsync($"/api/dev/{other}/ide-token", null);

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, GatewayFixture.TokenRateLimit).Append(HttpStatusCode.TooManyRequests), statuses);
        Assert.Equal(HttpStatusCode.OK, otherUser.StatusCode);
        Assert.Equal("application/problem+json", last!.Content.Headers.ContentType?.MediaType);
        Assert.True(last.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task IdeToken_CodeServerDisabled_409Problem()
    {
        using var portal = fixture.CreateClient(TestTokens.For("boot-no-ide"));
        var created = await portal.PostAsJsonAsync("/api/dev", new { runtime = "node", enableCodeServer = false });
        var id = (await created.Content.ReadFromJsonAsync<Grains.Containers.ProvisionResult>(Json.Options))!.ContainerId;

        var response = await portal.PostAsync($"/api/dev/{id}/ide-token", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<string> IssueAsync(string userId, long id)
    {
        using var portal = fixture.CreateClient(TestTokens.For(userId));
        var response = await portal.PostAsync($"/api/dev/{id}/ide-token", null);
        return (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<IdeTokenResponse>(Json.Options))!.Url;
    }
}

using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Gateway.IdeTunnel;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

[Collection(GatewayCollection.Name)]
public sealed class IdeSessionCacheTests(GatewayFixture fixture)
{
    [Fact]
    public async Task GetAsync_ManyUnknownSessions_OnlyTheBoundedNegativeCacheHoldsThemAndSweepsThem()
    {
        var (id, _) = await fixture.ProvisionDevAsync("cache-bound");
        var clock = new FakeTimeProvider(fixture.Clock.GetUtcNow());
        var options = Options.Create(new IdeTunnelOptions { MaxNegativeCachedSessions = 3, NegativeCacheTtl = TimeSpan.FromSeconds(10) });
        using var cache = new IdeSessionCache(fixture.Client, new UpstreamPolicy(options), clock, options);
        var before = fixture.SessionLookups(id);

        for (var i = 0; i < 10; i++)
        {
            var view = await cache.GetAsync(id, "unknown-session-" + i);
            Assert.Equal(IdeAccessStatus.Unknown, view.Status);
        }

        var remembered = await cache.GetAsync(id, "unknown-session-0");

        Assert.Equal(IdeAccessStatus.Unknown, remembered.Status);
        Assert.Equal(before + 10, fixture.SessionLookups(id));
        Assert.Equal(0, cache.Count);
        Assert.Equal(3, cache.NegativeCount);

        // The sweeper runs every four TTLs and drops refusals older than the negative TTL.
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(0, cache.NegativeCount);
    }

    [Fact]
    public async Task GetAsync_ConcurrentMisses_ShareOneGrainCall()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("cache-coalesce");
        var clock = new FakeTimeProvider(fixture.Clock.GetUtcNow());
        var options = Options.Create(new IdeTunnelOptions());
        using var cache = new IdeSessionCache(fixture.Client, new UpstreamPolicy(options), clock, options);
        var before = fixture.SessionLookups(id);

        var views = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => cache.GetAsync(id, session).AsTask()));

        Assert.All(views, v => Assert.Equal(IdeAccessStatus.Accepted, v.Status));
        Assert.Equal(before + 1, fixture.SessionLookups(id));
    }

    [Fact]
    public async Task Cache_FeedGoesQuiet_LookupsFallBackToTheTtl()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("feed-quiet");
        var clock = new FakeTimeProvider(fixture.Clock.GetUtcNow());
        using var cache = NewCache(clock);
        var before = fixture.SessionLookups(id);

        cache.FeedAnswered(clock.GetTimestamp());
        await cache.GetAsync(id, session);
        clock.Advance(TimeSpan.FromSeconds(4));
        cache.FeedAnswered(clock.GetTimestamp());
        clock.Advance(TimeSpan.FromSeconds(4));
        await cache.GetAsync(id, session);
        var whileAnswering = fixture.SessionLookups(id);

        // The last answered poll began 5 s ago: one TTL without news, so the lookup is not trusted any longer.
        clock.Advance(TimeSpan.FromSeconds(1));
        await cache.GetAsync(id, session);

        Assert.Equal(before + 1, whileAnswering);
        Assert.Equal(before + 2, fixture.SessionLookups(id));
    }

    [Fact]
    public async Task Cache_ForgetOneContainer_OnlyItsSessionsAreLookedUpAgain()
    {
        var (a, _, sessionA) = await fixture.ReadyIdeAsync("feed-forget-a");
        var (b, _, sessionB) = await fixture.ReadyIdeAsync("feed-forget-b");
        var clock = new FakeTimeProvider(fixture.Clock.GetUtcNow());
        using var cache = NewCache(clock);
        cache.FeedAnswered(clock.GetTimestamp());
        await cache.GetAsync(a, sessionA);
        await cache.GetAsync(b, sessionB);
        var (beforeA, beforeB) = (fixture.SessionLookups(a), fixture.SessionLookups(b));

        cache.Forget([a]);
        await cache.GetAsync(a, sessionA);
        await cache.GetAsync(b, sessionB);
        var (afterA, afterB) = (fixture.SessionLookups(a), fixture.SessionLookups(b));
        cache.ForgetAll();

        Assert.Equal(beforeA + 1, afterA);
        Assert.Equal(beforeB, afterB);
        Assert.Equal(0, cache.Count);
    }

    private IdeSessionCache NewCache(TimeProvider clock)
    {
        var options = Options.Create(new IdeTunnelOptions());
        return new IdeSessionCache(fixture.Client, new UpstreamPolicy(options), clock, options);
    }


}

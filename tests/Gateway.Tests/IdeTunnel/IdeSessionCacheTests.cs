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
    public async Task GetAsync_ManyUnknownSessions_CacheStaysBoundedAndSweepsExpired()
    {
        var (id, _) = await fixture.ProvisionDevAsync("cache-bound");
        var clock = new FakeTimeProvider(fixture.Clock.GetUtcNow());
        var options = Options.Create(new IdeTunnelOptions { MaxCachedSessions = 3 });
        using var cache = new IdeSessionCache(fixture.Client, new UpstreamPolicy(options), clock, options);

        for (var i = 0; i < 10; i++)
        {
            var view = await cache.GetAsync(id, "unknown-session-" + i);
            Assert.Equal(IdeAccessStatus.Unknown, view.Status);
        }

        Assert.Equal(3, cache.Count);

        // The sweeper runs every four TTLs and drops what is older than one.
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task GetAsync_ConcurrentMisses_ShareOneGrainCall()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("cache-coalesce");
        var clock = new FakeTimeProvider(fixture.Clock.GetUtcNow());
        var options = Options.Create(new IdeTunnelOptions());
        using var cache = new IdeSessionCache(fixture.Client, new UpstreamPolicy(options), clock, options);
        var grain = fixture.Client.GetGrain<IDevContainerGrain>(id).GetGrainId();
        var before = fixture.Calls.Count(grain, nameof(IDevContainerGrain.ResolveIdeSessionAsync));

        var views = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => cache.GetAsync(id, session).AsTask()));

        Assert.All(views, v => Assert.Equal(IdeAccessStatus.Accepted, v.Status));
        Assert.Equal(before + 1, fixture.Calls.Count(grain, nameof(IDevContainerGrain.ResolveIdeSessionAsync)));
    }
}

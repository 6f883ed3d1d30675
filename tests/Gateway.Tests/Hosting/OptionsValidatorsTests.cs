using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Api;
using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Events;
using ZlhGrind.Gateway.Hosting;
using ZlhGrind.Gateway.IdeBootstrap;
using ZlhGrind.Gateway.IdeTunnel;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.Hosting;

/// <summary>Issue 13: one validator class per options section, each failure naming the full key of the bad value.</summary>
[Collection(GatewayCollection.Name)]
public sealed class OptionsValidatorsTests(GatewayFixture fixture)
{
    private const string ServiceKey = "0123456789abcdef";

    [Fact]
    public void ApiValidator_ZeroBodyLimit_NamesTheKey() =>
        Assert.Equal(["Api:MaxRequestBodyBytes must be positive (got 0)."], new ApiOptionsValidator().Validate(null, new ApiOptions { MaxRequestBodyBytes = 0 }).Failures);

    [Fact]
    public void EventsValidator_ZeroIntervalAndBuffer_NamesBothKeys() =>
        Assert.Equal(
            ["Events:HeartbeatInterval must be positive (got 00:00:00).", "Events:BufferSize must be positive (got -1)."],
            new EventsOptionsValidator().Validate(null, new EventsOptions { HeartbeatInterval = TimeSpan.Zero, BufferSize = -1 }).Failures);

    [Fact]
    public void ClusterConnectionValidator_ShortKey_NamesTheKey() =>
        Assert.Equal(
            ["Cluster:ServiceKey is required (at least 16 characters): silos refuse gateway calls without it."],
            new ClusterConnectionOptionsValidator().Validate(null, new ClusterConnectionOptions { ServiceKey = "short" }).Failures);

    [Fact]
    public void ClusterConnectionValidator_StaticWithoutGateways_NamesTheKey() =>
        Assert.Equal(
            ["Cluster:Gateways must list at least one ip:port in Static mode."],
            new ClusterConnectionOptionsValidator().Validate(null, new ClusterConnectionOptions { ServiceKey = ServiceKey, Mode = ClusterMode.Static, Gateways = ["silo-1:30000"] }).Failures);

    [Fact]
    public void ClusterConnectionValidator_PostgresWithoutConnectionStringAndNoRetryDelay_NamesBothKeys() =>
        Assert.Equal(
            ["Cluster:ConnectRetryDelay must be positive (got 00:00:00).", "Cluster:ConnectionString is required in Postgres mode."],
            new ClusterConnectionOptionsValidator().Validate(null, new ClusterConnectionOptions { ServiceKey = ServiceKey, Mode = ClusterMode.Postgres, ConnectRetryDelay = TimeSpan.Zero }).Failures);

    [Fact]
    public void ClusterConnectionValidator_GatewayListRefreshPeriodOfAnHour_NamesTheKey() =>
        Assert.Equal(
            ["Cluster:GatewayListRefreshPeriod must be between 00:00:00.1000000 and 00:05:00 (got 01:00:00)."],
            new ClusterConnectionOptionsValidator().Validate(null, new ClusterConnectionOptions { ServiceKey = ServiceKey, GatewayListRefreshPeriod = TimeSpan.FromHours(1) }).Failures);

    [Fact]
    public void ClusterCallValidator_LongTimeoutShortRetryAfter_NamesBothKeys() =>
        Assert.Equal(
            ["Cluster:CallTimeout must be above 0 and at most 00:05:00 (got 00:06:00).", "Cluster:RetryAfter must be at least 00:00:01 (got 00:00:00.5000000)."],
            new ClusterCallOptionsValidator().Validate(null, new ClusterCallOptions { CallTimeout = TimeSpan.FromMinutes(6), RetryAfter = TimeSpan.FromMilliseconds(500) }).Failures);

    [Fact]
    public void IdeTokensValidator_ZeroLimits_NamesEachKey() =>
        Assert.Equal(
            ["IdeTokens:PermitLimit must be positive (got 0).", "IdeTokens:RedeemWindow must be positive (got 00:00:00)."],
            new IdeTokenRateLimitOptionsValidator().Validate(null, new IdeTokenRateLimitOptions { PermitLimit = 0, RedeemWindow = TimeSpan.Zero }).Failures);

    [Fact]
    public void IdeTunnelValidator_BadListEntriesAndHost_NamesEachKeyAndIndex() =>
        Assert.Equal(
            [
                "IdeTunnel:Host must be a host name with one {id} in it, like {id}.ide.example.com (got 'ide.example.com').",
                "IdeTunnel:AllowedUpstreamNetworks:1 must be a CIDR network (got 'nope').",
                "IdeTunnel:ExplicitUpstreams:0 must be ip:port or a CIDR network (got '127.0.0.1').",
                "IdeTunnel:RefusedUpstreamPorts:1 must be a port from 1 to 65535 (got '0').",
            ],
            new IdeTunnelOptionsValidator().Validate(null, new IdeTunnelOptions
            {
                Host = "ide.example.com",
                AllowedUpstreamNetworks = ["10.0.0.0/8", "nope"],
                ExplicitUpstreams = ["127.0.0.1"],
                RefusedUpstreamPorts = [5432, 0],
            }).Failures);

    [Fact]
    public void IdeTunnelValidator_FeedPollNotBelowTtl_NamesTheKey() =>
        Assert.Equal(
            ["IdeTunnel:SessionFeedPollInterval must be at least 0 and below SessionCacheTtl 00:00:02 (got 00:00:02)."],
            new IdeTunnelOptionsValidator().Validate(null, new IdeTunnelOptions { SessionCacheTtl = TimeSpan.FromSeconds(2), SessionFeedPollInterval = TimeSpan.FromSeconds(2) }).Failures);

    [Fact]
    public void IdeActivityValidator_SlowFlushShortReportNegativeKeepalive_NamesEachKey() =>
        Assert.Equal(
            [
                "IdeActivity:FlushInterval must be positive and at most 00:01:00.",
                "IdeActivity:ReportInterval must be at least IdeActivity:FlushInterval and at most 00:10:00.",
                "IdeActivity:KeepaliveMaxFrameBytes must be between 0 and 1024.",
            ],
            new IdeActivityOptionsValidator().Validate(null, new IdeActivityOptions { FlushInterval = TimeSpan.FromMinutes(2), ReportInterval = TimeSpan.FromMinutes(1), KeepaliveMaxFrameBytes = -1 }).Failures);

    [Fact]
    public void IdeActivityValidator_Defaults_Succeed() =>
        Assert.True(new IdeActivityOptionsValidator().Validate(null, new IdeActivityOptions()).Succeeded);

    [Fact]
    public void ProxyValidator_HostName_NamesTheKeyAndIndex() =>
        Assert.Equal(
            ["Proxy:KnownProxies:1 must be an IP address (got 'proxy.internal').", "Proxy:KnownNetworks:0 must be a CIDR network (got '10.0.0.0/33')."],
            new ProxyOptionsValidator().Validate(null, new ProxyOptions { KnownProxies = ["10.0.0.1", "proxy.internal"], KnownNetworks = ["10.0.0.0/33"] }).Failures);

    [Fact]
    public void JwtValidator_ShortKeyAndLongSkew_NamesBothKeys() =>
        Assert.Equal(
            ["Auth:SigningKey must be at least 32 bytes (UTF-8).", "Auth:ClockSkew must be between 00:00:00 and 00:05:00 (got 00:10:00)."],
            new JwtOptionsValidator().Validate(null, new JwtOptions { Issuer = "i", Audience = "a", SigningKey = "too-short", ClockSkew = TimeSpan.FromMinutes(10) }).Failures);

    [Fact]
    public async Task Start_SessionCacheTtlOverFiveSeconds_FailsNamingTheKey()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(
            () => GatewayFixture.StartGatewayAsync(fixture.Client, TimeProvider.System, extra: new Dictionary<string, string?> { ["IdeTunnel:SessionCacheTtl"] = "00:00:06" }));

        Assert.Equal(["IdeTunnel:SessionCacheTtl must be above 0 and at most 00:00:05 (got 00:00:06)."], error.Failures);
    }
}

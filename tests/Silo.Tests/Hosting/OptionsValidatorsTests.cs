using Microsoft.Extensions.Options;
using ZlhGrind.Silo.Authorization;
using ZlhGrind.Silo.Grains.Containers;
using ZlhGrind.Silo.Grains.DevContainers;
using ZlhGrind.Silo.Hosting;
using ZlhGrind.Silo.Storage;
using ZlhGrind.Silo.Tests.TestSupport;

namespace ZlhGrind.Silo.Tests.Hosting;

/// <summary>Issue 13: one validator class per options section of the silo, each failure naming the full key.</summary>
public sealed class OptionsValidatorsTests
{
    [Fact]
    public void SiloEndpointValidator_SamePorts_NamesBothKeys() =>
        Assert.Equal(
            ["Cluster:GatewayPort must differ from Cluster:SiloPort (both 11111)."],
            new SiloEndpointOptionsValidator().Validate(null, new SiloEndpointOptions { SiloPort = 11111, GatewayPort = 11111 }).Failures);

    [Fact]
    public void SiloEndpointValidator_PortOutOfRangeAndHostName_NamesEachKey() =>
        Assert.Equal(
            ["Cluster:SiloPort must be between 1 and 65535 (got 70000).", "Cluster:AdvertisedAddress must be an IP address (got 'silo-1')."],
            new SiloEndpointOptionsValidator().Validate(null, new SiloEndpointOptions { SiloPort = 70000, AdvertisedAddress = "silo-1" }).Failures);

    [Fact]
    public void DashboardValidator_NotHttp_NamesTheKey() =>
        Assert.Equal(
            ["Dashboard:Url must be an absolute http or https URL (got 'ftp://127.0.0.1:8081')."],
            new DashboardOptionsValidator().Validate(null, new DashboardOptions { Url = "ftp://127.0.0.1:8081" }).Failures);

    [Fact]
    public void StorageValidator_PostgresWithoutConnectionString_NamesTheKey() =>
        Assert.Equal(
            ["Storage:ConnectionString is required when Storage:Provider is Postgres."],
            new StorageOptionsValidator().Validate(null, new StorageOptions { Provider = StorageProvider.Postgres }).Failures);

    [Fact]
    public void StorageValidator_SqliteWithoutPath_NamesTheKey() =>
        Assert.Equal(
            ["Storage:SqlitePath is required when Storage:Provider is Sqlite."],
            new StorageOptionsValidator().Validate(null, new StorageOptions { Provider = StorageProvider.Sqlite, SqlitePath = " " }).Failures);

    [Fact]
    public void ContainersValidator_BadValues_NamesEachKey() =>
        Assert.Equal(
            [
                "Containers:HeartbeatInterval must be positive (got 00:00:00).",
                "Containers:MissedHeartbeats must be between 1 and 100 (got 0).",
                "Containers:MaxLogTailBytes must be between 1024 and 16384 (got 100).",
                "Containers:MaxAgentClockSkew must not be negative (got -00:00:01).",
            ],
            new ContainerOptionsValidator().Validate(null, new ContainerOptions
            {
                HeartbeatInterval = TimeSpan.Zero,
                MissedHeartbeats = 0,
                MaxLogTailBytes = 100,
                MaxAgentClockSkew = TimeSpan.FromSeconds(-1),
            }).Failures);

    [Fact]
    public void IdeValidator_LongTokenLifetime_NamesTheKey() =>
        Assert.Equal(
            ["Ide:TokenLifetime must be above 0 and at most 00:10:00 (got 00:11:00)."],
            new IdeOptionsValidator().Validate(null, new IdeOptions { TokenLifetime = TimeSpan.FromMinutes(11) }).Failures);

    [Fact]
    public void IdleValidator_BadValues_NamesEachKey() =>
        Assert.Equal(
            [
                "Ide:IdleTimeout must be between 00:00:00 (never) and 7.00:00:00 (got 8.00:00:00).",
                "Ide:IdleWarning must be between 00:00:00 and 7.00:00:00 (got -00:00:01).",
                "Ide:ActivityWriteInterval must be above 0 and at most 01:00:00 (got 00:00:00).",
            ],
            new IdleOptionsValidator().Validate(null, new IdleOptions
            {
                IdleTimeout = TimeSpan.FromDays(8),
                IdleWarning = TimeSpan.FromSeconds(-1),
                ActivityWriteInterval = TimeSpan.Zero,
            }).Failures);

    [Fact]
    public void IdleValidator_Defaults_Pass() =>
        Assert.True(new IdleOptionsValidator().Validate(null, new IdleOptions()).Succeeded);

    [Fact]
    public void ClusterSecurityValidator_ShortKeyAndTinyBody_NamesBothKeys() =>
        Assert.Equal(
            ["Cluster:ServiceKey is required (at least 16 characters): gateways prove themselves with it.", "Cluster:MaxMessageBodyBytes must be between 65536 and 104857600 (got 1024)."],
            new ClusterSecurityOptionsValidator().Validate(null, new ClusterSecurityOptions { ServiceKey = "short", MaxMessageBodyBytes = 1024 }).Failures);

    [Fact]
    public async Task Silo_ZeroHeartbeatInterval_FailsAtStartNamingTheKey()
    {
        var configuration = TestClusters.Configuration(new Dictionary<string, string?> { ["Containers:HeartbeatInterval"] = "00:00:00" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => LocalSilo.StartAsync(configuration));

        Assert.Equal(["Containers:HeartbeatInterval must be positive (got 00:00:00)."], error.Failures);
    }
}

using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.Cluster;

/// <summary>A real silo listening on TCP, so the gateway's own Orleans client is built from configuration as in production.</summary>
public sealed class TcpSiloFixture : IAsyncLifetime
{
    public TcpSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await TcpSilo.StartAsync();

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

public sealed class ClusterConnectionTests(TcpSiloFixture silo) : IClassFixture<TcpSiloFixture>
{
    [Theory]
    [InlineData("Localhost")]
    [InlineData("Static")]
    public async Task Gateway_ClusterModeFromConfiguration_ConnectsAndIsReady(string mode)
    {
        var logs = new CapturingSink();
        await using var gateway = await StartAsync(mode, GatewayFixture.ServiceKey, logs);
        using var http = new HttpClient { BaseAddress = new Uri(gateway.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For("tcp-user"));

        var ready = await http.GetAsync("/readyz");
        var list = await http.GetAsync("/api/servers");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal("[]", await list.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Gateway_WrongServiceKey_NotReadyAndApiAnswers500WithLoggedError()
    {
        var logs = new CapturingSink();
        await using var gateway = await StartAsync("Static", "a-wrong-service-key-0123456789", logs);
        using var http = new HttpClient { BaseAddress = new Uri(gateway.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For("tcp-user"));

        var ready = await http.GetAsync("/readyz");
        var list = await http.GetAsync("/api/servers");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, list.StatusCode);
        Assert.Equal("application/problem+json", list.Content.Headers.ContentType?.MediaType);
        Assert.Contains(logs.Lines, l => l.Contains("check Cluster:ServiceKey", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("a-wrong-service-key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Gateway_ClusterUnreachableAtStart_HealthzUpWhileReadyzAndApiAnswer503()
    {
        var logs = new CapturingSink();
        var listening = logs.WhenLogged("Now listening on: {address}");
        var retrying = logs.WhenLogged("Cluster not reachable (attempt {Attempt}, mode {ClusterMode}): {Reason}; retrying");
        var app = GatewayApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["urls"] = "http://127.0.0.1:0",
                ["Auth:Issuer"] = TestTokens.Issuer,
                ["Auth:Audience"] = TestTokens.Audience,
                ["Auth:SigningKey"] = TestTokens.SigningKey,
                ["Cluster:Mode"] = "Static",
                ["Cluster:Gateways:0"] = "127.0.0.1:" + FreePorts.Next(),
                ["Cluster:ServiceKey"] = GatewayFixture.ServiceKey,
                ["Cluster:ConnectRetryDelay"] = "00:00:00.200",
            });
            builder.Services.AddSingleton<Serilog.Core.ILogEventSink>(logs);
        });
        var starting = app.StartAsync();
        try
        {
            var address = ((Serilog.Events.ScalarValue)(await listening.WaitAsync(TimeSpan.FromSeconds(30))).Properties["address"]).Value!.ToString();
            await retrying.WaitAsync(TimeSpan.FromSeconds(30));
            using var http = new HttpClient { BaseAddress = new Uri(address!) };
            http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For("early-user"));

            var health = await http.GetAsync("/healthz");
            var ready = await http.GetAsync("/readyz");
            var api = await http.GetAsync("/api/servers");
            var tunnel = await http.GetAsync("/__ide/123/");

            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, api.StatusCode);
            Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, tunnel.StatusCode);
            Assert.False(starting.IsCompleted);
        }
        finally
        {
            await app.StopAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => starting);
            await app.DisposeAsync();
        }
    }

    private Task<WebApplication> StartAsync(string mode, string serviceKey, CapturingSink logs) => silo.Silo.StartGatewayAsync(logs, mode, serviceKey);
}

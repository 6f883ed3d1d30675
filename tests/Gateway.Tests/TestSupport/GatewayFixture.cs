using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using Serilog.Core;
using ZlhGrind.ClusterTls;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Hosting;

namespace ZlhGrind.Gateway.Tests.TestSupport;

/// <summary>
/// The whole stack on loopback: a real two-silo cluster hosting the real grains (memory storage), the gateway on
/// real Kestrel using that cluster's client, and a real upstream standing in for code-server. Grains and gateway
/// share one fake clock so token expiry, session caching and agent connectivity move together.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string ServiceKey = "gateway-test-service-key-0123456789";
    public const int TokenRateLimit = 5;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    public GrainCallCounter Calls { get; } = new();

    /// <summary>How many session lookups (<c>ResolveIdeSessionAsync</c>) container <paramref name="id"/>'s grain has had from this cluster client.</summary>
    public int SessionLookups(long id) =>
        Calls.Count(Client.GetGrain<IDevContainerGrain>(id).GetGrainId(), nameof(IDevContainerGrain.ResolveIdeSessionAsync));

    public CapturingSink Logs { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public WebApplication Gateway { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public UpstreamServer Upstream { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var siloConfiguration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:ServiceKey"] = ServiceKey,
            ["Storage:Provider"] = "Memory",
            ["Containers:HeartbeatInterval"] = "00:00:05",
        }.With(TestTls.Silo(requireClientCertificate: true))).Build();
        var clientTls = new ConfigurationBuilder().AddInMemoryCollection(TestTls.Gateway()).Build();

        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseGrainClock(Clock);
            silo.AddZlhGrind(siloConfiguration);
        });
        builder.ConfigureClient(client =>
        {
            ClusterExtensions.ConfigureGatewayClient(client, ServiceKey);
            client.UseClusterTls(clientTls);
            client.AddOutgoingGrainCallFilter(Calls);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();

        Upstream = await UpstreamServer.StartAsync();
        Gateway = await StartGatewayAsync(Cluster.Client, Clock, Logs);
        BaseAddress = new Uri(Gateway.Urls.First());

        // Dev containers need a runtime in the catalog; added once, through the operator route.
        using var ops = CreateClient(TestTokens.For("fixture-operator", isOperator: true));
        var added = await ops.PostAsJsonAsync("/api/dev/runtimes", Node);
        added.EnsureSuccessStatusCode();
    }

    public static RuntimeEntry Node { get; } = new("node", "22.1.0", "http://127.0.0.1:8090/runtimes/node-22.1.0.tar.gz", new string('a', 64), 1024, "bin", ["bin/node", "--version"]);

    /// <summary>Starts a gateway on 127.0.0.1:0 over <paramref name="client"/> with the test configuration plus <paramref name="extra"/> (null values remove a setting).</summary>
    public static async Task<WebApplication> StartGatewayAsync(IClusterClient client, TimeProvider clock, ILogEventSink? logs = null, IDictionary<string, string?>? extra = null, string[]? args = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Auth:Issuer"] = TestTokens.Issuer,
            ["Auth:Audience"] = TestTokens.Audience,
            ["Auth:SigningKey"] = TestTokens.SigningKey,
            ["Cluster:ServiceKey"] = ServiceKey,
            ["IdeTokens:PermitLimit"] = TokenRateLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["IdeTokens:Window"] = "01:00:00",
            ["Events:HeartbeatInterval"] = "00:00:10",
            ["Api:MaxRequestBodyBytes"] = "8192",

            // The shared gateway pins the TTL-only mode (what a gateway falls back to when the session feed is
            // silent), so advancing the shared clock never races a feed poll; IdeSessionFeedTests turn the feed on.
            ["IdeTunnel:SessionFeedPollInterval"] = "00:00:00",

            // The test upstreams listen on random loopback ports: allowed explicitly, as ./zlh up allows its IDE port.
            // Tests of the built-in refusals start a gateway without this entry.
            ["IdeTunnel:ExplicitUpstreams:0"] = "127.0.0.0/8",

            // Every test runs from 127.0.0.1: the per-address budgets are tested on gateways of their own.
            ["IdeTunnel:LookupPermitLimit"] = "1000000",
            ["IdeTokens:RedeemPermitLimit"] = "1000000",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            // A null in extra takes a test setting away.
            if (value is null)
            {
                settings.Remove(key);
            }
            else
            {
                settings[key] = value;
            }
        }

        var app = GatewayApp.Build(args ?? [], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddSingleton(client);
            builder.Services.AddSingleton<IGrainFactory>(client);
            builder.Services.AddSingleton(clock);
            if (logs is not null)
            {
                builder.Services.AddSingleton(logs);
            }
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>An HTTP client that neither follows redirects nor keeps cookies, so every test says exactly what it sends.</summary>
    public HttpClient CreateClient(string? bearer = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = BaseAddress };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    /// <summary>Provisions a dev container for <paramref name="userId"/> through the API and returns its id and an agent for it.</summary>
    public async Task<(long Id, FakeAgent Agent)> ProvisionDevAsync(string userId)
    {
        using var http = CreateClient(TestTokens.For(userId));
        var response = await http.PostAsJsonAsync("/api/dev", new { runtime = "node", enableCodeServer = true });
        response.EnsureSuccessStatusCode();
        var result = await response.Content.ReadFromJsonAsync<ProvisionResult>(Json.Options);
        return (result!.ContainerId, new FakeAgent(Client, result.ContainerId, result.AgentCredential, Clock));
    }

    /// <summary>Sets the container's address as the provisioner would, through the operator route.</summary>
    public async Task SetAddressAsync(long id, string? address, Uri? gateway = null)
    {
        using var ops = CreateClient(TestTokens.For("fixture-operator", isOperator: true));
        var response = await ops.PutAsJsonAsync(new Uri(gateway ?? BaseAddress, $"/api/admin/containers/{id}/ide-address"), new { address });
        if (response.StatusCode != System.Net.HttpStatusCode.NoContent)
        {
            throw new InvalidOperationException("Setting the address failed with " + response.StatusCode + ": " + await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>Runs the IDE bootstrap as a browser would and returns the session id the cookie carries.</summary>
    public async Task<string> OpenIdeSessionAsync(string userId, long id)
    {
        using var portal = CreateClient(TestTokens.For(userId));
        var grant = await (await portal.PostAsync($"/api/dev/{id}/ide-token", null)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ZlhGrind.Gateway.Api.IdeTokenResponse>(Json.Options);
        using var browser = CreateClient();
        var redeemed = await browser.GetAsync(grant!.Url);
        if (redeemed.StatusCode != System.Net.HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException("Bootstrap failed with " + redeemed.StatusCode);
        }

        return SessionFrom(redeemed);
    }

    /// <summary>The zlh_ide value from a bootstrap response's Set-Cookie.</summary>
    public static string SessionFrom(HttpResponseMessage response)
    {
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("zlh_ide=", StringComparison.Ordinal));
        return cookie["zlh_ide=".Length..cookie.IndexOf(';', StringComparison.Ordinal)];
    }

    /// <summary>A dev container whose agent reports it ready with code-server at the test upstream, and an open IDE session.</summary>
    public async Task<(long Id, FakeAgent Agent, string Session)> ReadyIdeAsync(string userId)
    {
        var (id, agent) = await ProvisionDevAsync(userId);
        await SetAddressAsync(id, Upstream.Endpoint);
        await agent.BecomeReadyAsync(Upstream.Endpoint);
        var session = await OpenIdeSessionAsync(userId, id);
        return (id, agent, session);
    }

    public async Task DisposeAsync()
    {
        await Gateway.StopAsync();
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}

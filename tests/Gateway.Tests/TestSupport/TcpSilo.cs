using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog.Core;
using ZlhGrind.Silo.Hosting;

namespace ZlhGrind.Gateway.Tests.TestSupport;

/// <summary>
/// One real silo listening on loopback TCP (memory storage), so a gateway builds its own Orleans client from
/// configuration as in production; a test can stop it to cut the cluster away from a running gateway.
/// </summary>
public sealed class TcpSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private TcpSilo(IHost host, int gatewayPort)
    {
        _host = host;
        GatewayPort = gatewayPort;
    }

    /// <summary>The silo's client gateway port (what a gateway's <c>Cluster:GatewayPort</c> / <c>Cluster:Gateways</c> name).</summary>
    public int GatewayPort { get; }

    /// <summary>
    /// Starts a gateway that builds its own Orleans client to this silo from configuration (<paramref name="mode"/>
    /// <c>Static</c> or <c>Localhost</c>), with the test keys plus <paramref name="extra"/>.
    /// </summary>
    public async Task<WebApplication> StartGatewayAsync(ILogEventSink logs, string mode = "Static", string serviceKey = GatewayFixture.ServiceKey, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Auth:Issuer"] = TestTokens.Issuer,
            ["Auth:Audience"] = TestTokens.Audience,
            ["Auth:SigningKey"] = TestTokens.SigningKey,
            ["Cluster:Mode"] = mode,
            ["Cluster:GatewayPort"] = GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:Gateways:0"] = "127.0.0.1:" + GatewayPort,
            ["Cluster:ServiceKey"] = serviceKey,
        }.With(TestTls.Gateway());
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = GatewayApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddSingleton(logs);
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>
    /// Starts a silo; <paramref name="extra"/> overrides its settings (storage), and given ports let a test restart
    /// a silo where a running gateway expects it.
    /// </summary>
    public static async Task<TcpSilo> StartAsync(Action<ISiloBuilder>? configure = null, IDictionary<string, string?>? extra = null, int? gatewayPort = null, int? siloPort = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cluster:ServiceKey"] = GatewayFixture.ServiceKey,
            ["Storage:Provider"] = "Memory",
        }.With(TestTls.Silo(requireClientCertificate: true));
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var clientPort = gatewayPort ?? FreePorts.Next();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort ?? FreePorts.Next(), clientPort, serviceId: "zlhgrind", clusterId: "zlhgrind")
                .AddZlhGrind(configuration);
            configure?.Invoke(silo);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new TcpSilo(host, clientPort);
    }

    /// <summary>Stops the silo (its ports close); disposing afterwards does nothing more.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _host.StopAsync();
        _host.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}

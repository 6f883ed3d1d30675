using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZlhGrind.ClusterTls;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Gateway.Tests.Events;

/// <summary>A real silo on a SQLite file restarted under a gateway with an event stream open.</summary>
public sealed class EventsAcrossSiloRestartTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("zlh-events-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Events_SiloRestartedWithStreamOpen_NextChangeArrivesWithoutReconnecting()
    {
        var storage = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Sqlite",
            ["Storage:SqlitePath"] = Path.Combine(_directory, "silo.db"),
        };
        var gatewayPort = FreePorts.Next();
        var siloPort = FreePorts.Next();
        const long id = 4300;
        var silo = await TcpSilo.StartAsync(extra: storage, gatewayPort: gatewayPort, siloPort: siloPort);
        string credential;
        using (var gatewayClient = await ClientAsync(gatewayPort, new ServiceKeyCallFilter(GatewayFixture.ServiceKey)))
        {
            var spec = new GameServerSpec("generic", "java -jar server.jar nogui", "stop", 2048);
            credential = (await gatewayClient.Services.GetRequiredService<IClusterClient>().GetGrain<IGameServerGrain>(id).ProvisionAsync(new Actor("restart-owner", false), spec)).AgentCredential;
            await gatewayClient.StopAsync();
        }

        var app = await silo.StartGatewayAsync(new CapturingSink(), extra: new Dictionary<string, string?> { ["Events:HeartbeatInterval"] = "00:00:01" });
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = Timeout.InfiniteTimeSpan };
            http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For("restart-owner"));
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            using var response = await http.GetAsync($"/api/servers/{id}/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
            var baseline = await ContainerEventsTests.ReadEventAsync(reader, cancel.Token);

            await silo.StopAsync();
            silo = await TcpSilo.StartAsync(extra: storage, gatewayPort: gatewayPort, siloPort: siloPort);

            // The restarted grain numbers above what it reserved before, so at its next keep-alive the stream learns
            // it cannot prove it missed nothing: a resync with the status, and a fresh subscription.
            var resync = await ContainerEventsTests.ReadEventAsync(reader, cancel.Token);
            using (var agent = await ClientAsync(gatewayPort, new AgentCredentialCallFilter(id, credential)))
            {
                await agent.Services.GetRequiredService<IClusterClient>().GetGrain<IGameServerGrain>(id)
                    .ReportAsync(new AgentReport(Guid.NewGuid(), [new GameStateChanged(1, DateTimeOffset.UnixEpoch, GameServerState.Installing, null)], 0));
                await agent.StopAsync();
            }

            var next = await ContainerEventsTests.ReadEventAsync(reader, cancel.Token);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("status", baseline.Name);
            Assert.Equal("Provisioning", baseline.Data.GetProperty("state").GetString());
            Assert.Equal("resync", resync.Name);
            Assert.Equal("Provisioning", resync.Data.GetProperty("state").GetString());
            Assert.Equal("stateChanged", next.Name);
            Assert.Equal(1025, next.Data.GetProperty("sequence").GetInt64());
            Assert.Equal("Installing", next.Data.GetProperty("status").GetProperty("state").GetString());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await silo.StopAsync();
        }
    }

    /// <summary>An Orleans client of the silo at <paramref name="gatewayPort"/> whose calls pass <paramref name="filter"/> (a gateway's service key, an agent's credential).</summary>
    internal static async Task<IHost> ClientAsync(int gatewayPort, IOutgoingGrainCallFilter filter)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            client.UseLocalhostClustering(gatewayPort, serviceId: "zlhgrind", clusterId: "zlhgrind");
            client.AddOutgoingGrainCallFilter(filter);
            client.UseClusterTls(new ConfigurationBuilder().AddInMemoryCollection(TestTls.Gateway()).Build());
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}

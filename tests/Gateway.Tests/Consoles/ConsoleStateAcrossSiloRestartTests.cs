using System.Net.Http.Json;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using ZlhGrind.Gateway.Consoles;
using ZlhGrind.Gateway.Tests.Events;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Gateway.Tests.Consoles;

/// <summary>
/// A real silo on a SQLite file restarted under a gateway with a console socket open: the gateway's one shared state
/// subscription of the container (ConsoleStateHub) died with the silo; it subscribes again, as the events endpoint does.
/// </summary>
public sealed class ConsoleStateAcrossSiloRestartTests : IDisposable
{
    private const string Owner = "console-restart-owner";
    private readonly string _directory = Directory.CreateTempSubdirectory("zlh-console-restart-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task StateFrame_SiloRestartedWithAConsoleOpen_SubscribedAgainAndTheNextChangeArrivesOnTheSameSocket()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Sqlite",
            ["Storage:SqlitePath"] = Path.Combine(_directory, "silo.db"),

            // The socket's watch of the console grain is not renewed while the silo is away (a failed renewal is not what this tests).
            ["Console:ViewerLease"] = "01:00:00",
        };
        var gatewayPort = FreePorts.Next();
        var siloPort = FreePorts.Next();
        const long id = 4310;
        var silo = await TcpSilo.StartAsync(extra: settings, gatewayPort: gatewayPort, siloPort: siloPort);
        string credential;
        using (var gatewayClient = await EventsAcrossSiloRestartTests.ClientAsync(gatewayPort, new ServiceKeyCallFilter(GatewayFixture.ServiceKey)))
        {
            var spec = new GameServerSpec("generic", "java -jar server.jar nogui", "stop", 2048);
            credential = (await gatewayClient.Services.GetRequiredService<IClusterClient>().GetGrain<IGameServerGrain>(id).ProvisionAsync(new Actor(Owner, false), spec)).AgentCredential;
            await gatewayClient.StopAsync();
        }

        var logs = new CapturingSink();
        var app = await silo.StartGatewayAsync(logs, extra: new Dictionary<string, string?> { ["Events:HeartbeatInterval"] = "00:00:01" });
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For(Owner));
            var ticket = await (await http.PostAsync($"/api/servers/{id}/console/ticket", null)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ConsoleTicketResponse>(Json.Options);
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri(new Uri(app.Urls.First().Replace("http://", "ws://", StringComparison.Ordinal)), ticket!.Url), CancellationToken.None);
            using var console = new ConsoleClient(socket);
            await console.ReadUntilAsync("state");
            var renewed = logs.WhenLogged(
                "The events of {ContainerId} arrived incomplete (a silo restart drops a subscription); subscribing again",
                e => e.Properties["ContainerId"].ToString() == id.ToString(System.Globalization.CultureInfo.InvariantCulture));

            await silo.StopAsync();
            silo = await TcpSilo.StartAsync(extra: settings, gatewayPort: gatewayPort, siloPort: siloPort);

            // The restarted grain numbers above what it reserved before: at the hub's next comparison it learns the
            // subscription cannot have brought everything, and takes a fresh one.
            await renewed.WaitAsync(TimeSpan.FromSeconds(60));
            using (var agent = await EventsAcrossSiloRestartTests.ClientAsync(gatewayPort, new AgentCredentialCallFilter(id, credential)))
            {
                await agent.Services.GetRequiredService<IClusterClient>().GetGrain<IGameServerGrain>(id)
                    .ReportAsync(new AgentReport(Guid.NewGuid(), [new GameStateChanged(1, DateTimeOffset.UnixEpoch, GameServerState.Installing, null)], 0));
                await agent.StopAsync();
            }

            var next = await console.ReadUntilAsync("state");

            Assert.Equal("Installing", next.GetProperty("state").GetString());
            Assert.Equal(["Provisioning", "Installing"], console.States);
            Assert.Equal(WebSocketState.Open, socket.State);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await silo.StopAsync();
        }
    }
}

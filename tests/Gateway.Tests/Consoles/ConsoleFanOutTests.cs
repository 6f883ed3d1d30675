using Microsoft.Extensions.DependencyInjection;
using ZlhGrind.Gateway.Consoles;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Gateway.Tests.Consoles;

/// <summary>Many sockets of one console on one gateway share one event subscription and one viewer of the console grain.</summary>
[Collection(GatewayCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConsoleFanOutTests(GatewayFixture fixture)
{
    private const int Sockets = 6;

    [Fact]
    public async Task Open_SixSocketsOfOneConsole_OneStreamSubscriptionAndOneViewerServeAllAndTheLastCloseEndsBoth()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-fan-out");
        var states = fixture.Gateway.Services.GetRequiredService<ConsoleStateHub>();
        var viewers = fixture.Gateway.Services.GetRequiredService<ConsoleViewerHub>();
        var grain = fixture.Client.GetGrain<IConsoleGrain>(rig.Id, ConsoleLimits.GameChannel, null);
        var subscribed = Subscriptions(rig.Id, "RegisterConsumer");
        var unsubscribed = Subscriptions(rig.Id, "UnregisterConsumer");
        var watched = fixture.Calls.Count(grain.GetGrainId(), nameof(IConsoleGrain.WatchAsync));

        var clients = new List<ConsoleClient>();
        try
        {
            for (var i = 0; i < Sockets; i++)
            {
                var client = await rig.OpenAsync(await rig.TicketUrlAsync("console-fan-out"));
                clients.Add(client);
                await client.ReadUntilAsync("state");
            }

            Assert.Equal(1, Subscriptions(rig.Id, "RegisterConsumer") - subscribed);
            Assert.Equal((Sockets, Sockets), (states.Listeners(rig.Id), viewers.Members(grain)));

            // Each socket still watches with its own actor (authorized one by one), all through the one shared viewer.
            Assert.Equal(Sockets, fixture.Calls.Count(grain.GetGrainId(), nameof(IConsoleGrain.WatchAsync)) - watched);

            await clients[0].SendAsync(new { type = "command", data = "say to everyone" });
            foreach (var client in clients)
            {
                await client.OutputContainingAsync("[Server] to everyone");
            }

            await rig.ReportStateAsync(1, GameServerState.Installing);
            foreach (var client in clients)
            {
                await client.ReadUntilAsync("state", f => f.GetProperty("state").GetString() == "Installing");
                Assert.Equal(["Provisioning", "Installing"], client.States);
            }

            // All but one leave: nothing is unsubscribed while a socket is left.
            foreach (var client in clients.Skip(1))
            {
                await client.Socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
            }

            await Wait.UntilAsync(() => states.Listeners(rig.Id) == 1 && viewers.Members(grain) == 1, Wait.Patience, "five sockets to leave");
            Assert.Equal(0, Subscriptions(rig.Id, "UnregisterConsumer") - unsubscribed);
            await rig.ReportStateAsync(2, GameServerState.Stopped);
            await clients[0].ReadUntilAsync("state", f => f.GetProperty("state").GetString() == "Stopped");

            await clients[0].Socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
            await Wait.UntilAsync(() => Subscriptions(rig.Id, "UnregisterConsumer") - unsubscribed == 1, Wait.Patience, "the last socket to unsubscribe");
            Assert.Equal((0, 0), (states.Listeners(rig.Id), viewers.Members(grain)));
            Assert.Equal(1, fixture.Calls.Count(grain.GetGrainId(), nameof(IConsoleGrain.UnwatchAsync)));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>Calls of the stream pub/sub's <paramref name="method"/> for the events stream of container <paramref name="id"/>.</summary>
    private int Subscriptions(long id, string method) =>
        fixture.Calls.Count(g => g.Type.ToString().Contains("pubsub", StringComparison.OrdinalIgnoreCase) && g.Key.ToString()!.EndsWith("/" + id, StringComparison.Ordinal), method);
}

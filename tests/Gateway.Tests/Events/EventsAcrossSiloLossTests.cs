using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.TestingHost;
using ZlhGrind.ClusterTls;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Hosting;

namespace ZlhGrind.Gateway.Tests.Events;

/// <summary>
/// Issue 17: two silos (SQLite storage, memory streams) under a gateway with an event stream open; a silo is killed
/// and the container changes meanwhile. Events in flight die with a silo; the stream must say so or make up for it.
/// </summary>
public sealed class EventsAcrossSiloLossTests : IDisposable
{
    private const string Owner = "loss-owner";

    private static readonly Guid AgentInstance = Guid.NewGuid();
    private readonly string _directory = Directory.CreateTempSubdirectory("zlh-events-loss-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <remarks>
    /// The container's grain dies with the silo, its event buffer with it, and its next event comes from a new
    /// activation, numbered above the old one's reserved block: whether that event reaches the stream first (a
    /// skipped number) or the keep-alive does (the grain is ahead), the client gets a <c>resync</c>, never a silent jump.
    /// </remarks>
    [Fact]
    public async Task Events_ContainersSiloKilledAndContainerChangedMeanwhile_ClientGetsAResyncThenTheNextEvent()
    {
        const long id = 4400;
        await using var cluster = await StartClusterAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var app = await GatewayFixture.StartGatewayAsync(cluster.Client, clock);
        try
        {
            var game = cluster.Client.GetGrain<IGameServerGrain>(id);
            var credential = (await game.ProvisionAsync(new Actor(Owner, false), new GameServerSpec("generic", "java -jar server.jar nogui", "stop", 2048))).AgentCredential;
            var host = await cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(game);
            var victim = cluster.Silos.Single(s => s.SiloAddress == host);
            var survivor = cluster.Silos.Single(s => s != victim);

            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = Timeout.InfiniteTimeSpan };
            http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For(Owner));
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(50));
            using var response = await http.GetAsync($"/api/servers/{id}/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
            var baseline = await ContainerEventsTests.ReadWithIdAsync(reader, cancel.Token);

            await cluster.KillSiloAsync(victim);
            await DeclaredDeadAsync(survivor, victim.SiloAddress).WaitAsync(cancel.Token);
            await ReportAsync(game, credential, 1, GameServerState.Installing);
            clock.Advance(TimeSpan.FromSeconds(10));
            var missed = await ContainerEventsTests.ReadWithIdAsync(reader, cancel.Token);
            await ReportAsync(game, credential, 2, GameServerState.Stopped);
            clock.Advance(TimeSpan.FromSeconds(10));
            var next = await ContainerEventsTests.ReadWithIdAsync(reader, cancel.Token);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(("status", 1L), (baseline.Name, baseline.Id));
            
            // The old activation reserved 1..1024; the new one numbers from 1025.
            Assert.Equal(("resync", 1025L), (missed.Name, missed.Id));
            Assert.Equal("Installing", missed.Data.GetProperty("state").GetString());
            Assert.Equal(("stateChanged", 1026L), (next.Name, next.Id));
            Assert.Equal("Stopped", next.Data.GetProperty("status").GetProperty("state").GetString());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task<InProcessTestCluster> StartClusterAsync()
    {
        var silo = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:ServiceKey"] = GatewayFixture.ServiceKey,
            ["Storage:Provider"] = "Sqlite",
            ["Storage:SqlitePath"] = Path.Combine(_directory, "silo.db"),
        }.With(TestTls.Silo())).Build();
        var clientTls = new ConfigurationBuilder().AddInMemoryCollection(TestTls.Gateway()).Build();
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, s) =>
        {
            s.AddZlhGrind(silo);
            s.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });

            // A silo's own call to the dead silo (a stream's queue or rendezvous, a directory partition) gives up in
            // 5 s instead of Orleans' 30, so a turn waiting on one does not outlast the test's patience.
            s.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
        });
        builder.ConfigureClient(client =>
        {
            ClusterExtensions.ConfigureGatewayClient(client, GatewayFixture.ServiceKey);
            client.UseClusterTls(clientTls);

            // As a gateway does (Cluster:CallTimeout): a call stuck on the dead silo fails in 5 s, not 30.
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Completes when <paramref name="observer"/>'s membership view has <paramref name="silo"/> dead.</summary>
    private static async Task DeclaredDeadAsync(InProcessSiloHandle observer, SiloAddress silo)
    {
        await foreach (var snapshot in observer.ServiceProvider.GetRequiredService<IClusterMembershipService>().MembershipUpdates)
        {
            if (snapshot.GetSiloStatus(silo) == SiloStatus.Dead)
            {
                return;
            }
        }
    }

    /// <summary>Reports as the agent; a call routed to the dead silo before every cache learned of it is sent again, as an agent does (bounded).</summary>
    private static async Task ReportAsync(IGameServerGrain game, string credential, long sequence, GameServerState state)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                RequestContext.Set(CallContextKeys.AgentContainerId, game.GetPrimaryKeyLong());
                RequestContext.Set(CallContextKeys.AgentCredential, credential);
                var ack = await game.ReportAsync(new AgentReport(AgentInstance, [new GameStateChanged(sequence, DateTimeOffset.UnixEpoch, state, null)], 0));
                Assert.Equal(sequence, ack.AppliedThrough);
                return;
            }
            catch (Exception ex) when (ex is SiloUnavailableException or TimeoutException && attempt < 6)
            {
                // Sent again below.
            }
        }
    }
}

using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Runtime.Placement;
using Orleans.Streams;
using Xunit.Abstractions;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Grains.Watch;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains.Watch;

/// <summary>
/// Issue 17: two silos on PostgreSQL membership and storage; the silo holding a container's watch partition is
/// killed while the container's agent is silent, and nothing but the watch touches the container afterwards.
/// </summary>
public sealed class WatchSiloLossTests(PostgresDatabase database, ITestOutputHelper output) : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan UnreachableAfter = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Watch_SiloHoldingThePartitionKilled_SilentAgentTurnsUnreachableAtItsDeadline(bool containerOnThatSiloToo)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var clusterId = "loss-" + Guid.NewGuid().ToString("N")[..8];
        var configuration = TestClusters.Configuration(database.SiloConfiguration());
        await using var first = await LocalSilo.StartAsync(configuration, database.ConnectionString, clusterId, time: time, configure: FastFailoverPlacingLocally);
        await using var second = await LocalSilo.StartAsync(configuration, database.ConnectionString, clusterId, time: time, configure: FastFailoverPlacingLocally);
        await using var firstClient = await first.ConnectAsync(c => c.AddMemoryStreams(ContainerEvents.StreamProvider), clusterId);
        await using var secondClient = await second.ConnectAsync(c => c.AddMemoryStreams(ContainerEvents.StreamProvider), clusterId);
        await Task.WhenAll(Sweeper(first).FirstSweep, Sweeper(second).FirstSweep).WaitAsync(TimeSpan.FromSeconds(30));

        // The partitions are placed by whichever sweep reached them first: the victim is a silo holding some.
        var onSecond = await PartitionsOnAsync(firstClient.Client, Address(second));
        var (victim, survivor, client) = onSecond.Count > 0 ? (second, first, firstClient) : (first, second, secondClient);
        var partitions = onSecond.Count > 0 ? onSecond : await PartitionsOnAsync(client.Client, Address(first));
        // Provisioned through the client of the silo it should live on, which places new grains locally (the default,
        // resource-optimised placement let a loaded machine steer 48 tries in a row to the other silo). Used through the survivor's client.
        var host = containerOnThatSiloToo ? victim : survivor;
        var placingClient = host == first ? firstClient : secondClient;
        var (placed, credential, partition) = await PlaceAsync(placingClient.Client, partitions, Address(host));
        var game = client.Client.GetGrain<IGameServerGrain>(placed.GetPrimaryKeyLong());
        var id = game.GetPrimaryKeyLong();

        CallAs.Agent(id, credential);
        var observer = client.Client.CreateObjectReference<IAgentObserver>(new RecordingObserver());
        await game.ConnectAgentAsync(new AgentHello(Guid.NewGuid(), "test", time.GetUtcNow()), observer);
        await game.HeartbeatAsync(Heartbeat(Guid.NewGuid()));
        var lastBeat = time.GetUtcNow();
        var unreachable = await SubscribeUnreachableAsync(client.Client, id);

        var clock = Stopwatch.StartNew();
        await victim.KillAsync();
        await Sweeper(survivor).NextCleanSweep.WaitAsync(TimeSpan.FromSeconds(45));
        var recovered = clock.Elapsed;

        // The grain clock stood still while the cluster recovered: the deadline is the agent's own.
        time.Advance(UnreachableAfter + TimeSpan.FromSeconds(1));
        var advancedAt = clock.Elapsed;
        var published = await unreachable.WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"container on the killed silo too: {containerOnThatSiloToo}; kill -> partitions answering again: {recovered.TotalMilliseconds:F0} ms; deadline passed -> unreachable published: {(clock.Elapsed - advancedAt).TotalMilliseconds:F0} ms");

        CallAs.Gateway();
        var status = await game.GetStatusAsync(Alice);
        var management = client.Client.GetGrain<IManagementGrain>(0);
        Assert.Equal(id, published.ContainerId);
        Assert.Equal("agent unreachable", published.Summary);
        Assert.Equal(lastBeat + UnreachableAfter, published.Status.UnreachableSince);
        Assert.Equal(Connectivity.Unreachable, status.Connectivity);
        Assert.Equal(lastBeat + UnreachableAfter, status.UnreachableSince);

        if (containerOnThatSiloToo)
        {
            // Heartbeats live in memory: a container grain lost with the silo no longer knows its agent's last one
            // and counts the silence from its new activation (at the frozen grain time, so the same deadline).
            Assert.Null(status.LastHeartbeatAt);
        }

        Assert.Equal(Address(survivor), await management.GetActivationAddress(client.Client.GetGrain<IConnectivityWatchGrain>(partition)));
        Assert.Equal(Address(survivor), await management.GetActivationAddress(game));
    }

    /// <summary>Membership declares a silent silo dead after two missed one-second probes, as an operator tunes it for fast failover.</summary>
    internal static void FastFailureDetection(ISiloBuilder silo) =>
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
        });

    /// <summary>
    /// <see cref="FastFailureDetection"/>, and new grains activate on the silo a call arrives at, so a test chooses a
    /// grain's silo by the client it calls through.
    /// </summary>
    private static void FastFailoverPlacingLocally(ISiloBuilder silo)
    {
        FastFailureDetection(silo);
        silo.Services.AddSingleton<PlacementStrategy>(new PreferLocalPlacement());
    }

    internal static ConnectivitySweeper Sweeper(LocalSilo silo) => silo.Services.GetRequiredService<ConnectivitySweeper>();

    internal static SiloAddress Address(LocalSilo silo) => silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    internal static async Task<Task<ContainerEvent>> SubscribeUnreachableAsync(IClusterClient client, long id)
    {
        var unreachable = new TaskCompletionSource<ContainerEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        CallAs.Gateway();
        await client.GetStreamProvider(ContainerEvents.StreamProvider)
            .GetStream<ContainerEvent>(StreamId.Create(ContainerEvents.Namespace, id))
            .SubscribeAsync((e, _) =>
            {
                if (e.Kind == ContainerEventKind.ConnectivityChanged && e.Status.Connectivity == Connectivity.Unreachable)
                {
                    unreachable.TrySetResult(e);
                }

                return Task.CompletedTask;
            });
        return unreachable.Task;
    }

    /// <summary>
    /// The connectivity-watch partitions active on <paramref name="host"/>.
    /// </summary>
    private static async Task<List<long>> PartitionsOnAsync(IClusterClient client, SiloAddress host)
    {
        CallAs.Gateway();
        var management = client.GetGrain<IManagementGrain>(0);
        var partitions = new List<long>();
        for (long partition = 0; partition < ConnectivityWatch.Partitions; partition++)
        {
            if (await management.GetActivationAddress(client.GetGrain<IConnectivityWatchGrain>(partition)) == host)
            {
                partitions.Add(partition);
            }
        }

        return partitions;
    }

    /// <summary>
    /// Provisions a game container in the first of <paramref name="partitions"/> through <paramref name="client"/>,
    /// whose silo places it locally, and checks it is active on <paramref name="containerHost"/>.
    /// </summary>
    private static async Task<(IGameServerGrain Grain, string Credential, long Partition)> PlaceAsync(IClusterClient client, List<long> partitions, SiloAddress containerHost)
    {
        Assert.NotEmpty(partitions);
        var partition = partitions[0];
        var (grain, credential) = await GameAsync(client, id: (Ids.Next() * ConnectivityWatch.Partitions) + partition);
        CallAs.Gateway();
        Assert.Equal(containerHost, await client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain));
        return (grain, credential, partition);
    }
}

using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Tests.TestSupport;
using ZlhGrind.Testing;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains.Watch;

/// <summary>
/// Issue 17: a silo on a PostgreSQL server of the test's own, which is stopped and started again while 200 agents
/// keep heartbeating and two stay silent.
/// </summary>
public sealed class WatchPostgresRestartTests(ITestOutputHelper output)
{
    private const int Beating = 200;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan UnreachableAfter = Interval * 3;

    [Fact]
    public async Task Watch_PostgresRestartedUnderLoad_SilentAgentsTurnUnreachableAtTheirDeadlinesAndNoOtherDoes()
    {
        var total = Stopwatch.StartNew();
        await using var postgres = await PrivatePostgres.StartAsync();
        await postgres.ApplySchemaAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var clusterId = "pgr-" + Guid.NewGuid().ToString("N")[..8];
        var configuration = TestClusters.Configuration(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:ConnectionString"] = postgres.ConnectionString,
        });
        await using var silo = await LocalSilo.StartAsync(configuration, postgres.ConnectionString, clusterId, time: time);
        await using var client = await silo.ConnectAsync(c => c.AddMemoryStreams(ContainerEvents.StreamProvider), clusterId);
        var observer = client.Client.CreateObjectReference<IAgentObserver>(new RecordingObserver());

        var setUp = total.Elapsed;
        var agents = await Task.WhenAll(Enumerable.Range(0, Beating + 2).Select(_ => ConnectedAsync(client.Client, observer, time)));
        var (silentA, silentB) = (agents[^2], agents[^1]);
        var beating = agents[..Beating];
        var start = time.GetUtcNow();
        var provisioned = total.Elapsed - setUp;
        var baselines = await Task.WhenAll(beating.Select(a => LastSequenceAsync(a.Grain)));
        var unreachableA = await WatchSiloLossTests.SubscribeUnreachableAsync(client.Client, silentA.Grain.GetPrimaryKeyLong());
        var unreachableB = await WatchSiloLossTests.SubscribeUnreachableAsync(client.Client, silentB.Grain.GetPrimaryKeyLong());

        var clock = Stopwatch.StartNew();
        await postgres.StopAsync();
        var stoppedAt = clock.Elapsed;
        await RoundAsync(time, [.. beating, silentB]);
        await RoundAsync(time, [.. beating, silentB]);
        var silentBLastBeat = time.GetUtcNow();
        await RoundAsync(time, beating);
        var deadlineA = clock.Elapsed;
        var publishedA = await unreachableA.WaitAsync(TimeSpan.FromSeconds(20));
        var publishedAAfter = clock.Elapsed - deadlineA;

        await postgres.StartAgainAsync();
        var outage = clock.Elapsed - stoppedAt;
        await RoundAsync(time, beating);
        await RoundAsync(time, beating);
        var deadlineB = clock.Elapsed;
        var publishedB = await unreachableB.WaitAsync(TimeSpan.FromSeconds(20));
        var publishedBAfter = clock.Elapsed - deadlineB;
        await RoundAsync(time, beating);

        // The silo writes again by itself: the silent agent comes back and reports a transition (always written).
        var failedReports = await ReportWhenStorageAnswersAsync(silentA);
        CallAs.Agent(silentA.Grain.GetPrimaryKeyLong(), silentA.Credential);
        await silentA.Grain.HeartbeatAsync(Heartbeat(Guid.NewGuid()));
        output.WriteLine($"PostgreSQL and silo up after {setUp.TotalSeconds:F1} s, {Beating + 2} agents provisioned and connected in {provisioned.TotalSeconds:F1} s; PostgreSQL down for {outage.TotalSeconds:F1} s; unreachable published {publishedAAfter.TotalMilliseconds:F0} ms (during the outage) and {publishedBAfter.TotalMilliseconds:F0} ms (after it) after the deadline passed; {failedReports} report(s) failed before storage answered again");

        Assert.Equal(start + UnreachableAfter, publishedA.Status.UnreachableSince);
        Assert.Equal(silentBLastBeat + UnreachableAfter, publishedB.Status.UnreachableSince);
        CallAs.Gateway();
        var back = await silentA.Grain.GetStatusAsync(Alice);
        Assert.Equal(Connectivity.Connected, back.Connectivity);
        Assert.Equal("Installing", back.State);
        Assert.Equal(Connectivity.Unreachable, (await silentB.Grain.GetStatusAsync(Alice)).Connectivity);
        for (var i = 0; i < Beating; i++)
        {
            // Nothing happened to a beating agent's container: no event at all since it connected, so never unreachable.
            var replay = await beating[i].Grain.GetEventsSinceAsync(Alice, baselines[i]);
            Assert.Equal(baselines[i], replay.LastSequence);
            Assert.Equal(Connectivity.Connected, replay.Status.Connectivity);
        }
    }

    private static async Task<(IGameServerGrain Grain, string Credential)> ConnectedAsync(IClusterClient client, IAgentObserver observer, TimeProvider time)
    {
        var (grain, credential) = await GameAsync(client);
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.ConnectAgentAsync(new AgentHello(Guid.NewGuid(), "test", time.GetUtcNow()), observer);
        return (grain, credential);
    }

    private static async Task<long> LastSequenceAsync(IGameServerGrain grain)
    {
        CallAs.Gateway();
        return (await grain.GetEventsSinceAsync(Alice, null)).LastSequence;
    }

    /// <summary>One heartbeat interval passes; then every agent named beats (well inside the three intervals allowed).</summary>
    private static async Task RoundAsync(FakeTimeProvider time, (IGameServerGrain Grain, string Credential)[] agents)
    {
        time.Advance(Interval);
        await Task.WhenAll(agents.Select(async a =>
        {
            CallAs.Agent(a.Grain.GetPrimaryKeyLong(), a.Credential);
            await a.Grain.HeartbeatAsync(Heartbeat(Guid.NewGuid()));
        }));
    }

    /// <summary>Reports Installing as the agent, retrying as an agent does while storage refuses (bounded); returns the failures.</summary>
    private static async Task<int> ReportWhenStorageAnswersAsync((IGameServerGrain Grain, string Credential) agent)
    {
        var instance = Guid.NewGuid();
        for (var failed = 0; ; failed++)
        {
            try
            {
                await ReportStatesAsync(agent.Grain, agent.Credential, instance, 1, GameServerState.Installing);
                return failed;
            }
            catch (Exception) when (failed < 20)
            {
                // A pooled connection from before the restart fails once; the next attempt opens a fresh one.
            }
        }
    }
}

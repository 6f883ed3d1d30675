using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ZlhGrind.Benchmarks.Agents;
using ZlhGrind.Benchmarks.Cluster;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>
/// Issue 7, scenario 6: two silo processes on PostgreSQL with tuned membership; each round SIGKILLs one of
/// them (the one holding more of the round's containers) while the agents of its containers keep reporting crashes, and measures the
/// seconds from the kill until every container that lived on it answers again, and whether any crash record
/// the cluster acknowledged is missing afterwards. The killed silo is restarted before the next round.
/// </summary>
internal sealed class Failover : IScenario
{
    private const double TargetSeconds = 10;
    private const int MaxCrashesPerContainer = 40;
    private static readonly TimeSpan CrashEvery = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(60);

    public string Name => "failover";

    public string Title => "6 Failover";

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        if (context.Options.PostgresServer is not { } server)
        {
            return ScenarioResult.NotMeasured(Name, Title, "no PostgreSQL server given: run it through ./zlh bench, or pass --postgres (or ZLH_BENCH_POSTGRES)");
        }

        var containersPerRound = context.Quick ? 20 : 100;
        await using var database = await PostgresDatabase.CreateAsync(server, "zlh_bench_", applySchema: false, cancellationToken);
        var clusterId = "zlh-bench-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var serviceKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        SiloEndpoint[] endpoints = [SiloEndpoint.Allocate(), SiloEndpoint.Allocate()];
        var silos = new SiloProcess[2];
        var restarts = new int[2];

        Task<SiloProcess> StartAsync(int slot, bool migrate) => SiloProcess.StartFailoverSiloAsync(
            context, $"failover-silo-{(char)('a' + slot)}-{restarts[slot]++}", endpoints[slot], clusterId, serviceKey, database.ConnectionString, migrate, cancellationToken);

        // On a loaded machine the surviving silo may declare a restarting one dead before it has joined (membership is
        // tuned to notice deaths quickly); a silo so declared stops itself, and the next generation is started.
        async Task<SiloProcess> RestartAsync(int slot)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await StartAsync(slot, migrate: false);
                }
                catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("exited before printing", StringComparison.Ordinal))
                {
                    context.Progress(Name, $"restarting silo {(char)('A' + slot)} failed ({e.Message}); starting it again");
                }
            }
        }

        silos[0] = await StartAsync(0, migrate: true);
        silos[1] = await StartAsync(1, migrate: false);
        // The measured calls give up after CallTimeout, so a dead silo is noticed quickly; set-up (provisioning, the
        // first activations on a cold silo, placement queries) goes through a patient client, which a loaded machine needs.
        var client = await OrleansClient.ConnectAsync(endpoints.Select(e => e.GatewayPort).ToList(), clusterId, TimeSpan.FromSeconds(30), cancellationToken, CallTimeout);
        var setup = await OrleansClient.ConnectAsync(endpoints.Select(e => e.GatewayPort).ToList(), clusterId, TimeSpan.FromSeconds(30), cancellationToken);
        try
        {
            await WaitForActiveSilosAsync(setup.Client, serviceKey, 2, cancellationToken);
            var rounds = new List<Round>();
            for (var r = 0; r < context.Rounds; r++)
            {
                var round = await RoundAsync(context, setup.Client, client.Client, serviceKey, silos, preferred: r % 2, firstId: (r + 1) * 1_000_000L, containersPerRound, cancellationToken);
                var victim = round.VictimSlot;
                rounds.Add(round);
                context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {r + 1} (killed silo {(char)('A' + victim)}): {round.OnVictim} containers answered again after {round.Seconds:0.00} s; {round.Acked} crash records acknowledged, {round.Lost} lost"));
                if (r == context.Rounds - 1)
                {
                    // No round follows: a restarted silo would only join the cluster to be killed below.
                    break;
                }

                silos[victim] = await RestartAsync(victim);
                await WaitForActiveSilosAsync(setup.Client, serviceKey, 2, cancellationToken);
            }

            var seconds = Summary.Of(rounds.Select(r => r.Seconds).ToList());
            var lost = rounds.Sum(r => r.Lost);
            List<Figure> figures =
            [
                new("seconds until the killed silo's containers answer", "s", seconds, Target: $"≤ {TargetSeconds} s", Met: seconds.Median <= TargetSeconds),
                new("containers on the killed silo", "", Summary.Of(rounds.Select(r => (double)r.OnVictim).ToList())),
                new("crash records acknowledged", "", Summary.Of(rounds.Select(r => (double)r.Acked).ToList())),
                new("crash records lost (all rounds)", "", Summary.Of([lost]), Target: "0", Met: lost == 0),
            ];
            var note = $"two silo processes on PostgreSQL, each round SIGKILLs the one holding more of the round's containers (A on a tie in odd rounds, B in even ones), then restarted; membership: {BenchSilo.TunedMembershipDescription}; client call timeout {CallTimeout.TotalSeconds:0} s; {containersPerRound} fresh game containers per round, whose agents report a crash every {CrashEvery.TotalMilliseconds:0} ms and retry each until acknowledged";
            return new ScenarioResult(Name, Title, ScenarioStatus.Measured, figures, note, 0);
        }
        finally
        {
            await client.DisposeAsync();
            await setup.DisposeAsync();
            foreach (var silo in silos)
            {
                silo.Kill();
            }
        }
    }

    private static async Task<Round> RoundAsync(
        BenchContext context, IClusterClient setup, IClusterClient client, string serviceKey, SiloProcess[] silos, int preferred, long firstId, int count, CancellationToken cancellationToken)
    {
        var provisioned = await Provisioning.GameContainersAsync(setup, serviceKey, firstId, count, cancellationToken);
        foreach (var agent in provisioned)
        {
            await agent.HeartbeatAsync();
        }

        var agents = provisioned.Select(a => a.Through(client)).ToList();

        // Placement decides where the round's containers live; the silo holding more of them is the one killed
        // (the preferred one on a tie), so every round moves containers.
        // Orleans' own grains answer gateways and operators only.
        CallAs.GatewayWithKey(serviceKey);
        var management = setup.GetGrain<IManagementGrain>(0);
        var bySilo = new List<SimulatedAgent>[] { [], [] };
        foreach (var agent in agents)
        {
            var port = (await management.GetActivationAddress(agent.Grain, cancellationToken))?.Endpoint.Port;
            for (var slot = 0; slot < silos.Length; slot++)
            {
                if (port == silos[slot].Endpoint.SiloPort)
                {
                    bySilo[slot].Add(agent);
                }
            }
        }

        var victimSlot = bySilo[1 - preferred].Count > bySilo[preferred].Count ? 1 - preferred : preferred;
        var victim = silos[victimSlot];
        var onVictim = bySilo[victimSlot];
        if (onVictim.Count == 0)
        {
            throw new InvalidOperationException($"none of the {count} containers was found on either silo");
        }

        using var stopReporting = new CancellationTokenSource();
        var acked = new ConcurrentDictionary<Guid, long>();
        var reporters = onVictim.Select(a => ReportCrashesAsync(a, acked, stopReporting.Token)).ToList();
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);

        context.Progress("failover", $"killing silo process {victim.Process.Pid} ({onVictim.Count} of {count} containers on it)");
        var killedAt = Stopwatch.GetTimestamp();
        victim.Kill();
        var answered = await Task.WhenAll(onVictim.Select(a => AnswersAgainAsync(a, serviceKey, killedAt, cancellationToken)));
        var seconds = answered.Max();

        // Let the agents report a little longer on the new activations, then stop and wait for their last acknowledgements.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        await stopReporting.CancelAsync();
        await Task.WhenAll(reporters).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

        var lost = 0;
        foreach (var agent in onVictim)
        {
            CallAs.GatewayWithKey(serviceKey);
            var stored = (await ((IGameServerGrain)agent.Grain).GetCrashesAsync(Provisioning.Owner)).Select(c => c.Id).ToHashSet();
            lost += acked.Count(a => a.Value == agent.ContainerId && !stored.Contains(a.Key));
        }

        return new Round(victimSlot, seconds, onVictim.Count, acked.Count, lost);
    }

    /// <summary>Seconds from the kill until the container's grain answers a status call.</summary>
    private static async Task<double> AnswersAgainAsync(SimulatedAgent agent, string serviceKey, long killedAt, CancellationToken cancellationToken)
    {
        while (Stopwatch.GetElapsedTime(killedAt) < GiveUpAfter)
        {
            try
            {
                CallAs.GatewayWithKey(serviceKey);
                await agent.Grain.GetStatusAsync(Provisioning.Owner);
                return Stopwatch.GetElapsedTime(killedAt).TotalSeconds;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }

        throw new TimeoutException($"container {agent.ContainerId} did not answer within {GiveUpAfter.TotalSeconds:0} s of the kill");
    }

    /// <summary>The agent's side: one crash at a time, each retried (same sequence, same id) until acknowledged.</summary>
    private static async Task ReportCrashesAsync(SimulatedAgent agent, ConcurrentDictionary<Guid, long> acked, CancellationToken stop)
    {
        for (var sequence = 1L; sequence <= MaxCrashesPerContainer && !stop.IsCancellationRequested; sequence++)
        {
            var crash = new CrashRecord(Guid.NewGuid(), DateTimeOffset.UtcNow, 1, null, TimeSpan.FromSeconds(42), CrashClassification.NonzeroExit, "bench: exit 1", (int)sequence, TimeSpan.FromSeconds(30), false);
            var report = new AgentReport(agent.InstanceId, [new GameCrashed(sequence, crash.At, crash)], 0);
            while (true)
            {
                try
                {
                    CallAs.Agent(agent.ContainerId, agent.Credential);
                    await agent.Grain.ReportAsync(report);
                    acked[crash.Id] = agent.ContainerId;
                    break;
                }
                catch (Exception)
                {
                    // Not acknowledged (the silo died under it, or the call timed out): the agent sends it again.
                    await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                }
            }

            try
            {
                await Task.Delay(CrashEvery, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task WaitForActiveSilosAsync(IClusterClient client, string serviceKey, int count, CancellationToken cancellationToken)
    {
        CallAs.GatewayWithKey(serviceKey);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, cancellationToken);
                if (hosts.Count == count)
                {
                    return;
                }
            }
            catch (Exception) when (Stopwatch.GetElapsedTime(started) < GiveUpAfter)
            {
                // The cluster is still settling.
            }

            if (Stopwatch.GetElapsedTime(started) >= GiveUpAfter)
            {
                throw new TimeoutException($"the cluster did not reach {count} active silos within {GiveUpAfter.TotalSeconds:0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    private sealed record Round(int VictimSlot, double Seconds, int OnVictim, int Acked, int Lost);
}

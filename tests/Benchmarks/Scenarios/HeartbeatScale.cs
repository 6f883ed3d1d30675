using System.Globalization;
using ZlhGrind.Benchmarks.Agents;
using ZlhGrind.Benchmarks.Cluster;
using ZlhGrind.Benchmarks.Measuring;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>
/// Issues 7 and 20, scenario 4: N simulated agents, each heartbeating every 5 s as its own game container (its id and
/// credential in the request context), multiplexed over a few client connections to one silo process. The
/// silo's CPU and memory come from /proc of that process; the load generator runs in this process. The fleet grows
/// stage by stage (1,000, 10,000, 100,000), and after each stage the silo's RSS after a full collection, over the
/// empty silo's, divided by the containers, is the memory one container costs at that size.
/// </summary>
internal sealed class HeartbeatScale : IScenario
{
    private const int Clients = 4;
    private const int ClosedLoopConcurrency = 200;
    private const double TargetP99Ms = 10;
    private const double TargetCpuPercent = 50;
    private const double TargetKiBPerContainer = 4;
    private const int IssueAgents = 100_000;
    private const int MissedHeartbeats = 60;
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    public string Name => "heartbeat-scale";

    public string Title => "4 Heartbeat scale";

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        // Quick mode keeps the shape (a small and a large fleet) but not 100,000 agents, which take minutes to
        // provision and measure on two shared cores.
        int[] fleets = context.Quick ? [250, 1_000] : [1_000, 10_000, IssueAgents];
        // A quick round covers 40% of a period: that share of the fleet beats once, enough for a smoke run.
        var round = context.Quick ? Period * 0.4 : 2 * Period;
        var closedLoop = TimeSpan.FromSeconds(context.Quick ? 1 : 5);
        var largest = fleets[^1];

        var serviceKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        // Rounds alternate between fleets, so the agents outside the fleet being measured are silent for a while.
        // Declared unreachable after the usual three missed beats, each of them would come back "connected" (an
        // event and a log line) at its next round: a reconnection storm, not the steady state being measured.
        // Five minutes of grace keeps every agent connected across a whole cycle of rounds and across the
        // provisioning of the larger fleets.
        var silo = await SiloProcess.StartProgramAsync(context, "heartbeat-silo", serviceKey, cancellationToken, new Dictionary<string, string>
        {
            ["Containers__MissedHeartbeats"] = MissedHeartbeats.ToString(CultureInfo.InvariantCulture),

            // The closed-loop round drives each simulated agent far faster than an agent beats: with the default
            // budget most of its heartbeats would be answered unrecorded, a cheaper path than the one measured.
            ["Containers__HeartbeatBurst"] = "100000",
        });
        var clients = new List<OrleansClient>();
        try
        {
            for (var i = 0; i < Clients; i++)
            {
                clients.Add(await OrleansClient.ConnectAsync([silo.Endpoint.GatewayPort], "zlhgrind", TimeSpan.FromSeconds(30), cancellationToken));
            }

            var (agents, memory) = await GrowAsync(context, clients, silo, serviceKey, fleets, cancellationToken);

            var variants = fleets
                .Select(n => ($"{n}", (Func<int, CancellationToken, Task<Round>>)((_, ct) => PacedRoundAsync(agents[..n], silo, round, ct))))
                .Append(("max", (_, ct) => ClosedLoopRoundAsync(agents, silo, closedLoop, ct)))
                .Prepend(("idle", (_, ct) => IdleRoundAsync(silo, round, ct)))
                .ToList();
            var results = await AlternatingRounds.RunAsync(
                context.Rounds,
                variants,
                (r, variant, result) => context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {r + 1} {variant}: p50 {result.P50Ms:0.##} ms, p99 {result.P99Ms:0.##} ms, {result.Rate:N0}/s, silo CPU {result.CpuPercent:0.#}%, p99 from due {result.FromDueP99Ms:0.##} ms, generator send lag p99 {result.SendLagP99Ms:0.##} ms, failed {result.Failures}")),
                cancellationToken);

            return new ScenarioResult(Name, Title, ScenarioStatus.Measured, Figures(results, memory, fleets, context.Quick), Note(results, fleets, context.Quick), 0);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            silo.Kill();
        }
    }

    /// <summary>
    /// Provisions the fleet stage by stage; after each stage every new agent beats once (activation and its first
    /// "connected" are not a steady-state cost) and the silo's settled RSS is read. Returns the agents, spread over
    /// the clients, and the bytes per container at each stage.
    /// </summary>
    private async Task<(SimulatedAgent[] Agents, Dictionary<int, double> BytesPerContainer)> GrowAsync(
        BenchContext context, List<OrleansClient> clients, SiloProcess silo, string serviceKey, int[] fleets, CancellationToken cancellationToken)
    {
        var gateway = clients[0].Client;

        // A quick run keeps its time: a shorter settle, its memory figures a smoke test like the rest.
        var settle = TimeSpan.FromSeconds(context.Quick ? 0.5 : 2);
        var empty = await SettledMemory.RssAfterCollectionAsync(gateway, serviceKey, silo.Sampler, settle, cancellationToken);
        context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"empty silo RSS {empty / 1048576:0.#} MiB"));
        var agents = new List<SimulatedAgent>();
        var perContainer = new Dictionary<int, double>();
        foreach (var n in fleets)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var provisioned = await Provisioning.GameContainersAsync(gateway, serviceKey, ZlhGrind.Grains.Containers.ContainerId.Min + agents.Count, n - agents.Count, cancellationToken);
            var added = provisioned.Select((a, i) => a.Through(clients[(agents.Count + i) % Clients].Client)).ToArray();
            var provisionedIn = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            await Parallel.ForEachAsync(added, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (agent, _) => await agent.HeartbeatAsync());
            agents.AddRange(added);
            var rss = await SettledMemory.RssAfterCollectionAsync(gateway, serviceKey, silo.Sampler, settle, cancellationToken);
            perContainer[n] = (rss - empty) / n;
            context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"{n:N0} containers ({added.Length:N0} provisioned in {provisionedIn.TotalSeconds:0.#} s): silo RSS {rss / 1048576:0.#} MiB, {perContainer[n] / 1024:0.##} KiB per container"));
        }

        return ([.. agents], perContainer);
    }

    private static List<Figure> Figures(IReadOnlyDictionary<string, List<Round>> results, Dictionary<int, double> memory, int[] fleets, bool quick)
    {
        var smallest = results[$"{fleets[0]}"];
        var largest = fleets[^1];
        var judged = !quick;
        var idle = results["idle"];
        var cores = Environment.ProcessorCount;
        var figures = new List<Figure>();
        foreach (var n in fleets)
        {
            var rounds = results[$"{n}"];
            var isLargest = n == largest;
            figures.Add(new Figure($"p50 at {n:N0} agents", "ms", Summary.Of(rounds.Select(r => r.P50Ms).ToList())));
            figures.Add(new Figure(
                $"p99 at {n:N0} agents",
                "ms",
                Summary.Of(rounds.Select(r => r.P99Ms).ToList()),
                n == fleets[0] ? null : Summary.Of(rounds.Select((r, i) => r.P99Ms / smallest[i].P99Ms).ToList()),
                n == fleets[0] ? null : $"p99 at {fleets[0]:N0}",
                isLargest ? Target($"≤ {TargetP99Ms} ms", quick) : null,
                isLargest && judged ? Summary.Of(rounds.Select(r => r.P99Ms).ToList()).Median <= TargetP99Ms : null));
            if (isLargest)
            {
                figures.Add(new Figure($"p99 from due time at {n:N0} (incl. generator lag)", "ms", Summary.Of(rounds.Select(r => r.FromDueP99Ms).ToList())));
            }

            figures.Add(new Figure(
                $"silo CPU at {n:N0} agents",
                "% of machine",
                Summary.Of(rounds.Select(r => r.CpuPercent).ToList()),
                Target: isLargest ? Target($"≤ {TargetCpuPercent}%", quick) : null,
                Met: isLargest && judged ? Summary.Of(rounds.Select(r => r.CpuPercent).ToList()).Median <= TargetCpuPercent : null));

            // CPU seconds per second over the idle round of the same cycle, per container: flat when the cost of a
            // container does not grow with the fleet.
            figures.Add(new Figure(
                $"silo CPU per container above idle at {n:N0}",
                "µs per second",
                Summary.Of(rounds.Select((r, i) => (r.CpuPercent - idle[i].CpuPercent) / 100 * cores * 1e6 / n).ToList())));
            figures.Add(new Figure(
                $"silo memory per container at {n:N0} (settled RSS growth)",
                "KiB",
                Summary.Of([memory[n] / 1024]),
                Target: isLargest ? Target($"≤ {TargetKiBPerContainer} KiB", quick) : null,
                Met: isLargest && judged ? memory[n] / 1024 <= TargetKiBPerContainer : null));
        }

        figures.Insert(0, new Figure("silo CPU idle (no agents)", "% of machine", Summary.Of(idle.Select(r => r.CpuPercent).ToList())));
        var max = results["max"];
        var needed = IssueAgents / Period.TotalSeconds;
        figures.Add(new Figure(
            "highest sustained rate",
            "heartbeats/s",
            Summary.Of(max.Select(r => r.Rate).ToList()),
            Summary.Of(max.Select(r => r.Rate / needed).ToList()),
            $"the {needed:N0}/s of {IssueAgents:N0} agents"));
        figures.Add(new Figure("silo CPU at highest rate", "% of machine", Summary.Of(max.Select(r => r.CpuPercent).ToList())));
        return figures;
    }

    private static string Target(string target, bool quick) => quick ? $"{target} at {IssueAgents:N0} (not judged in quick mode)" : target;

    private static string Note(IReadOnlyDictionary<string, List<Round>> results, int[] fleets, bool quick)
    {
        var failures = results.Values.Sum(rounds => rounds.Sum(r => r.Failures));
        var text = $"agents heartbeat every {Period.TotalSeconds:0} s over {Clients} client connections to one silo process (memory storage, an agent unreachable after {MissedHeartbeats} missed beats so that fleets silent between their rounds stay connected); memory per container is the silo's RSS after a full collection (IManagementGrain.ForceGarbageCollection, then a settle) over the empty silo's, divided by the containers, read once as the fleet grows to each size (grain, its stream's pub/sub rendezvous grain, directory entries, its records in the memory storage); latency from the send (for the largest fleet also from when the heartbeat was due, which adds the load generator's own lag on the shared cores); the highest rate is a closed loop of {ClosedLoopConcurrency} callers; {failures} heartbeats failed";
        return quick ? $"quick mode: fleets scaled down to {string.Join(" and ", fleets.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} agents; " + text : text;
    }

    private static async Task<Round> PacedRoundAsync(SimulatedAgent[] agents, SiloProcess silo, TimeSpan duration, CancellationToken cancellationToken)
    {
        var cpu = silo.Sampler.StartCpuWindow();
        var (recorder, fromDue, lag) = await PacedHeartbeats.RunAsync(agents, Period, duration, cancellationToken);
        var cpuPercent = cpu.MachinePercent();
        return new Round(recorder.PercentileMs(50), recorder.PercentileMs(99), recorder.Count / duration.TotalSeconds, cpuPercent, recorder.Failures, lag.PercentileMs(99), fromDue.PercentileMs(99));
    }

    private static async Task<Round> IdleRoundAsync(SiloProcess silo, TimeSpan duration, CancellationToken cancellationToken)
    {
        // The silo's own background work (membership, dashboard statistics, timers), for comparison.
        var cpu = silo.Sampler.StartCpuWindow();
        await Task.Delay(duration, cancellationToken);
        return new Round(double.NaN, double.NaN, 0, cpu.MachinePercent(), 0, double.NaN, double.NaN);
    }

    private static async Task<Round> ClosedLoopRoundAsync(SimulatedAgent[] agents, SiloProcess silo, TimeSpan duration, CancellationToken cancellationToken)
    {
        var cpu = silo.Sampler.StartCpuWindow();
        var rate = await ClosedLoopHeartbeats.RateAsync(agents, ClosedLoopConcurrency, duration, cancellationToken);
        return new Round(double.NaN, double.NaN, rate, cpu.MachinePercent(), 0, double.NaN, double.NaN);
    }

    private sealed record Round(double P50Ms, double P99Ms, double Rate, double CpuPercent, long Failures, double SendLagP99Ms, double FromDueP99Ms);
}

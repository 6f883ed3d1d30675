using System.Globalization;
using ZlhGrind.Benchmarks.Agents;
using ZlhGrind.Benchmarks.Cluster;
using ZlhGrind.Benchmarks.Measuring;
using ZlhGrind.Benchmarks.Processes;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>
/// Issues 7 and 20, scenario 5: K real Orleans client connections to one silo process, each an agent that connected
/// its observer and heartbeats every 5 s. The connections live in load-generator children (this program in its
/// <c>agents</c> mode, <see cref="AgentFleetProcess"/>), a few thousand each, so the generator is not one process
/// holding 10,000 client hosts. Memory per connection is the growth of the silo's settled RSS (after a full
/// collection) over a baseline with the same grains active but no agent connected. Connections accumulate stage by
/// stage (1,000, then 5,000, then 10,000), so the rounds repeat within a stage instead of alternating stages.
/// </summary>
internal sealed class AgentConnections : IScenario
{
    private const int TargetAgents = 10_000;
    private const double TargetP99Ms = 10;
    private const double TargetKiBPerConnection = 48;
    private const int MissedHeartbeats = 60;
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    public string Name => "agent-connections";

    public string Title => "5 Agent connections";

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        int[] stages = context.Quick ? [20, 60] : [1_000, 5_000, TargetAgents];

        // Connections per load-generator child; quick mode still spreads its few over two, so the path is exercised.
        var perChild = context.Quick ? 30 : 2_500;
        var round = context.Quick ? Period * 0.4 : 2 * Period;
        var settle = TimeSpan.FromSeconds(context.Quick ? 0.5 : 2);
        var serviceKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

        // Connecting thousands takes minutes; agents connected early must not be declared unreachable meanwhile
        // (an event and a log line each when they come back: a reconnection storm, not the steady state).
        var silo = await SiloProcess.StartProgramAsync(context, "connections-silo", serviceKey, cancellationToken, new Dictionary<string, string>
        {
            ["Containers__MissedHeartbeats"] = MissedHeartbeats.ToString(CultureInfo.InvariantCulture),
        });
        var children = new List<ChildProcess>();
        OrleansClient? gateway = null;
        try
        {
            gateway = await OrleansClient.ConnectAsync([silo.Endpoint.GatewayPort], "zlhgrind", TimeSpan.FromSeconds(30), cancellationToken);
            context.Progress(Name, $"provisioning {stages[^1]:N0} game containers");
            var provisioned = await Provisioning.GameContainersAsync(gateway.Client, serviceKey, ZlhGrind.Grains.Containers.ContainerId.Min, stages[^1], cancellationToken);

            // The grains are active before the baseline, so the growth after it is the connections' share.
            await Parallel.ForEachAsync(provisioned, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (agent, _) => await agent.HeartbeatAsync());
            var baseline = await SettledMemory.RssAfterCollectionAsync(gateway.Client, serviceKey, silo.Sampler, settle, cancellationToken);
            context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"baseline silo RSS {baseline / 1048576:0.#} MiB"));

            var perStage = new Dictionary<int, List<StageRound>>();
            var failures = 0L;
            var connected = 0;
            var report = 0;
            foreach (var k in stages)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var blocks = provisioned.Skip(connected).Take(k - connected).Chunk(perChild).ToList();
                var starting = blocks.Select((block, i) => AgentFleetProcess.StartAsync(context, $"agents-{children.Count + i + 1}", block, silo.Endpoint.GatewayPort, Period, cancellationToken)).ToList();
                children.AddRange(await Task.WhenAll(starting));
                connected = k;
                context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"{connected:N0} agents connected in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:0.#} s over {children.Count} load-generator processes"));

                var rounds = new List<StageRound>();
                for (var r = 0; r < context.Rounds; r++)
                {
                    // What came before the round (the connects, the previous round's memory reading) is left out.
                    await AgentFleetProcess.ReportAsync(children, ++report, cancellationToken);
                    await Task.Delay(round, cancellationToken);
                    var latency = await AgentFleetProcess.ReportAsync(children, ++report, cancellationToken);
                    failures += latency.Failures;
                    var rss = await SettledMemory.RssAfterCollectionAsync(gateway.Client, serviceKey, silo.Sampler, settle, cancellationToken);
                    var result = new StageRound(latency.PercentileMs(99), (rss - baseline) / k, rss, latency.Failures);
                    rounds.Add(result);
                    context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"K={k} round {r + 1}: {latency.Count:N0} heartbeats, p50 {latency.PercentileMs(50):0.##} ms, p99 {result.P99Ms:0.##} ms, failed {latency.Failures}, silo RSS {rss / 1048576:0.#} MiB, {result.BytesPerConnection / 1024:0.#} KiB per connection"));
                }

                perStage[k] = rounds;
            }

            return new ScenarioResult(Name, Title, ScenarioStatus.Measured, Figures(perStage, stages, connected, failures, context.Quick), Note(stages, perChild, failures, context.Quick), 0);
        }
        finally
        {
            // Closing their input ends the children: each closes its connections, as agents that stop would.
            foreach (var child in children)
            {
                child.CloseInput();
            }

            foreach (var child in children)
            {
                if (!await child.WaitForExitAsync(TimeSpan.FromSeconds(30)))
                {
                    child.Kill();
                }
            }

            if (gateway is not null)
            {
                await gateway.DisposeAsync();
            }

            silo.Kill();
        }
    }

    private static List<Figure> Figures(Dictionary<int, List<StageRound>> perStage, int[] stages, int connectedCount, long failures, bool quick)
    {
        var first = perStage[stages[0]];
        var figures = new List<Figure>();
        foreach (var k in stages)
        {
            var rounds = perStage[k];
            var isLargest = k == stages[^1];
            var memory = Summary.Of(rounds.Select(r => r.BytesPerConnection / 1024).ToList());
            var p99 = Summary.Of(rounds.Select(r => r.P99Ms).ToList());
            figures.Add(new Figure(
                $"silo memory per connection at {k:N0}",
                "KiB",
                memory,
                Target: isLargest ? Judged($"≤ {TargetKiBPerConnection} KiB", quick) : null,
                Met: isLargest && !quick ? memory.Median <= TargetKiBPerConnection : null));
            figures.Add(new Figure(
                $"heartbeat p99 at {k:N0}",
                "ms",
                p99,
                k == stages[0] ? null : Summary.Of(rounds.Select((r, i) => r.P99Ms / first[i].P99Ms).ToList()),
                k == stages[0] ? null : $"p99 at {stages[0]:N0}",
                isLargest ? Judged($"≤ {TargetP99Ms} ms", quick) : null,
                isLargest && !quick ? p99.Median <= TargetP99Ms : null));
        }

        figures.Add(new Figure(
            "agents connected to one silo",
            "",
            Summary.Of([connectedCount]),
            Target: quick ? $"{TargetAgents:N0}, no failed heartbeat (not judged in quick mode)" : $"{TargetAgents:N0}, no failed heartbeat",
            Met: quick ? null : connectedCount >= TargetAgents && failures == 0));
        return figures;
    }

    private static string Judged(string target, bool quick) => quick ? $"{target} at {TargetAgents:N0} (not judged in quick mode)" : target;

    private static string Note(int[] stages, int perChild, long failures, bool quick)
    {
        var text = $"each agent is its own Orleans client (own connection, observer registered), heartbeating every {Period.TotalSeconds:0} s, {perChild:N0} of them per load-generator process; memory is the silo's RSS after a full collection over a baseline with the same grains active; {failures} heartbeats failed";
        return quick ? $"quick mode: {string.Join(" and ", stages)} connections instead of 1,000, 5,000 and 10,000; " + text : text;
    }

    private sealed record StageRound(double P99Ms, double BytesPerConnection, double RssBytes, long Failures);
}

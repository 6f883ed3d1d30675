using System.Globalization;
using ZlhGrind.Benchmarks.Agents;
using ZlhGrind.Benchmarks.Cluster;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>
/// Issue 7, scenario 5: K real Orleans client connections to one silo process, each an agent that connected
/// its observer and heartbeats every 5 s. Memory per connection is the growth of the silo's RSS over a
/// baseline with the same grains active but no agent connected. Connections accumulate stage by stage
/// (100, then 500, then 1,000), so the rounds repeat within a stage instead of alternating stages.
/// </summary>
internal sealed class AgentConnections : IScenario
{
    private const int TargetAgents = 1_000;
    private const int ConnectConcurrency = 8;
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    public string Name => "agent-connections";

    public string Title => "5 Agent connections";

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        int[] stages = context.Quick ? [20, 60] : [100, 500, TargetAgents];
        var round = context.Quick ? Period * 0.4 : Period;
        var serviceKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var silo = await SiloProcess.StartProgramAsync(context, "connections-silo", serviceKey, cancellationToken);
        var connected = new List<ConnectedAgent>();
        OrleansClient? gateway = null;
        try
        {
            gateway = await OrleansClient.ConnectAsync([silo.Endpoint.GatewayPort], "zlhgrind", TimeSpan.FromSeconds(30), cancellationToken);
            var provisioned = await Provisioning.GameContainersAsync(gateway.Client, serviceKey, ZlhGrind.Grains.Containers.ContainerId.Min, stages[^1], cancellationToken);

            // The grains are active before the baseline, so the growth after it is the connections' share.
            await Parallel.ForEachAsync(provisioned, cancellationToken, async (agent, _) => await agent.HeartbeatAsync());
            await Task.Delay(Settle, cancellationToken);
            var baseline = Summary.Of(await SampleRssAsync(silo, cancellationToken)).Median;
            context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"baseline silo RSS {baseline / 1048576:0.#} MiB"));

            var perStage = new Dictionary<int, List<StageRound>>();
            var failures = 0L;
            foreach (var k in stages)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await Parallel.ForEachAsync(
                    provisioned.Skip(connected.Count).Take(k - connected.Count),
                    new ParallelOptions { MaxDegreeOfParallelism = ConnectConcurrency, CancellationToken = cancellationToken },
                    async (agent, ct) =>
                    {
                        var connection = await ConnectedAgent.ConnectAsync(agent, silo.Endpoint.GatewayPort, "zlhgrind", ct);
                        lock (connected)
                        {
                            connected.Add(connection);
                        }
                    });
                context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"{connected.Count} agents connected in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:0.#} s"));
                await Task.Delay(Settle, cancellationToken);

                var agents = connected.Select(c => c.Agent).ToArray();
                var rounds = new List<StageRound>();
                for (var r = 0; r < context.Rounds; r++)
                {
                    var (latency, _, lag) = await PacedHeartbeats.RunAsync(agents, Period, round, cancellationToken);
                    failures += latency.Failures;
                    var rss = Summary.Of(await SampleRssAsync(silo, cancellationToken)).Median;
                    var result = new StageRound(latency.PercentileMs(99), (rss - baseline) / k, rss);
                    rounds.Add(result);
                    context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"K={k} round {r + 1}: p50 {latency.PercentileMs(50):0.##} ms, p99 {result.P99Ms:0.##} ms, send lag p99 {lag.PercentileMs(99):0.##} ms, silo RSS {rss / 1048576:0.#} MiB, {result.BytesPerConnection / 1024:0.#} KiB per connection"));
                }

                perStage[k] = rounds;
            }

            return new ScenarioResult(Name, Title, ScenarioStatus.Measured, Figures(perStage, stages, connected.Count, failures, context.Quick), Note(stages, failures, context.Quick), 0);
        }
        finally
        {
            await Parallel.ForEachAsync(connected, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (c, _) => await c.DisposeAsync());
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
            figures.Add(new Figure($"silo memory per connection at {k:N0}", "KiB", Summary.Of(rounds.Select(r => r.BytesPerConnection / 1024).ToList())));
            figures.Add(new Figure(
                $"heartbeat p99 at {k:N0}",
                "ms",
                Summary.Of(rounds.Select(r => r.P99Ms).ToList()),
                k == stages[0] ? null : Summary.Of(rounds.Select((r, i) => r.P99Ms / first[i].P99Ms).ToList()),
                k == stages[0] ? null : $"p99 at {stages[0]:N0}"));
        }

        figures.Add(new Figure(
            "agents connected to one silo",
            "",
            Summary.Of([connectedCount]),
            Target: quick ? $"{TargetAgents:N0} (not judged in quick mode)" : $"{TargetAgents:N0}, no failed heartbeat",
            Met: quick ? null : connectedCount >= TargetAgents && failures == 0));
        return figures;
    }

    private static string Note(int[] stages, long failures, bool quick)
    {
        var text = $"each agent is its own Orleans client (own connection, observer registered), heartbeating every {Period.TotalSeconds:0} s; memory is silo RSS growth over a baseline with the same grains active; {failures} heartbeats failed";
        return quick ? $"quick mode: {string.Join(" and ", stages)} connections instead of 100, 500 and 1,000; " + text : text;
    }

    private static async Task<List<double>> SampleRssAsync(SiloProcess silo, CancellationToken cancellationToken)
    {
        var samples = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            samples.Add(silo.Sampler.RssBytes());
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        return samples;
    }

    private sealed record StageRound(double P99Ms, double BytesPerConnection, double RssBytes);
}

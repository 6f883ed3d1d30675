using System.Globalization;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;
using ZlhGrind.Benchmarks.Tunnel;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>
/// Issue 7, scenario 1 (nginx added by issue 20): the same upstream reached directly, through a bare YARP forwarder,
/// through the gateway's <c>/__ide/{id}/</c> (session cached), through configurable-http-proxy and through nginx.
/// Throughput is a closed loop at fixed
/// concurrency; latency is an open loop at half the gateway's throughput. Every process is separate, so the
/// load generator (this process) does the same work for every variant.
/// </summary>
internal sealed class IdeTunnelHttp : IScenario
{
    private const int Concurrency = 16;
    private const double TargetVsForwarder = 0.9;
    private const double TargetVsProxy = 4;
    private const double TargetVsNginx = 0.9;
    private const double TargetExtraP99Ms = 1;

    public string Name => "ide-http";

    public string Title => "1 IDE tunnel, HTTP";

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var duration = TimeSpan.FromSeconds(context.Quick ? 1 : 5);
        await using var rig = await TunnelRig.StartAsync(context, Name, cancellationToken);
        await rig.StartForwarderAsync(context, Name, cancellationToken);
        var hasProxy = await rig.TryStartProxyAsync(context, Name, cancellationToken);
        var hasNginx = await rig.TryStartNginxAsync(context, Name, cancellationToken);
        var session = (await rig.OpenSessionsAsync(ZlhGrind.Grains.Containers.ContainerId.Min, 1, cancellationToken))[0];

        var targets = new Dictionary<string, HttpTarget>
        {
            ["direct"] = new(new Uri($"http://127.0.0.1:{rig.UpstreamPort}/"), session.Cookie),
            ["forwarder"] = new(new Uri($"http://127.0.0.1:{rig.ForwarderPort}{session.Path}"), session.Cookie),
            ["gateway"] = new(new Uri($"http://127.0.0.1:{rig.GatewayPort}{session.Path}"), session.Cookie),
        };
        if (hasProxy)
        {
            targets["proxy"] = new(new Uri($"http://127.0.0.1:{rig.ProxyPort}{session.Path}"), session.Cookie);
        }

        if (hasNginx)
        {
            targets["nginx"] = new(new Uri($"http://127.0.0.1:{rig.Nginx!.Port}{session.Path}"), session.Cookie);
        }

        var loads = targets.Keys.ToDictionary(k => k, _ => new HttpLoad(256));
        try
        {
            // Warm-up: connections, JIT and the gateway's session cache; a wrong answer (401, 502) fails here.
            foreach (var (variant, target) in targets)
            {
                await loads[variant].ThroughputAsync([target], Concurrency, TimeSpan.FromSeconds(1), cancellationToken);
            }

            var samplers = new Dictionary<string, Measuring.ProcessSampler?>
            {
                ["direct"] = null,
                ["forwarder"] = rig.ForwarderSampler,
                ["gateway"] = rig.GatewaySampler,
                ["proxy"] = rig.ProxySampler,
                ["nginx"] = rig.Nginx?.Sampler,
            };
            var cpuPerRequest = targets.Keys.ToDictionary(k => k, _ => new List<double>());
            var throughput = await AlternatingRounds.RunAsync(
                context.Rounds,
                targets.Select(t => (t.Key, (Func<int, CancellationToken, Task<double>>)(async (_, ct) =>
                {
                    // The proxy's own CPU per request shows where a slower variant spends its time.
                    var cpu = samplers[t.Key]?.StartCpuWindow();
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    var rate = await loads[t.Key].ThroughputAsync([t.Value], Concurrency, duration, ct);
                    if (cpu is { } window)
                    {
                        var cpuSeconds = window.MachinePercent() / 100 * Environment.ProcessorCount * System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
                        cpuPerRequest[t.Key].Add(cpuSeconds * 1e6 / (rate * System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds));
                    }

                    return rate;
                }))).ToList(),
                (r, variant, rate) => context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {r + 1} throughput {variant}: {rate:N0} req/s")),
                cancellationToken);

            var rate = Summary.Of(throughput["gateway"]).Median / 2;
            var latencyVariants = new[] { "direct", "forwarder", "gateway", "nginx" }.Where(targets.ContainsKey).ToArray();
            var p99 = await AlternatingRounds.RunAsync(
                context.Rounds,
                latencyVariants.Select(v => (v, (Func<int, CancellationToken, Task<double>>)(async (_, ct) => (await loads[v].LatencyAsync([targets[v]], rate, duration, ct)).PercentileMs(99)))).ToList(),
                (r, variant, ms) => context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {r + 1} p99 at {rate:N0} req/s {variant}: {ms:0.###} ms")),
                cancellationToken);

            return new ScenarioResult(Name, Title, ScenarioStatus.Measured, Figures(throughput, p99, rate, hasProxy, hasNginx, cpuPerRequest), Note(hasProxy, hasNginx), 0);
        }
        finally
        {
            foreach (var load in loads.Values)
            {
                load.Dispose();
            }
        }
    }

    private static List<Figure> Figures(
        IReadOnlyDictionary<string, List<double>> throughput, IReadOnlyDictionary<string, List<double>> p99, double rate, bool hasProxy, bool hasNginx, Dictionary<string, List<double>> cpuPerRequest)
    {
        Summary Ratio(string a, string b) => Summary.Of(throughput[a].Select((x, i) => x / throughput[b][i]).ToList());
        var figures = new List<Figure>
        {
            new("throughput, direct", "req/s", Summary.Of(throughput["direct"])),
            new("throughput, bare YARP forwarder", "req/s", Summary.Of(throughput["forwarder"]), Ratio("forwarder", "direct"), "direct"),
            new("throughput, gateway /__ide/", "req/s", Summary.Of(throughput["gateway"]), Ratio("gateway", "forwarder"), "bare forwarder", $"≥ {TargetVsForwarder}×", Ratio("gateway", "forwarder").Median >= TargetVsForwarder),
            new("throughput, gateway vs direct", "req/s", Summary.Of(throughput["gateway"]), Ratio("gateway", "direct"), "direct"),
        };
        if (hasProxy)
        {
            figures.Add(new("throughput, configurable-http-proxy", "req/s", Summary.Of(throughput["proxy"]), Ratio("proxy", "direct"), "direct"));
            figures.Add(new("throughput, gateway vs configurable-http-proxy", "req/s", Summary.Of(throughput["gateway"]), Ratio("gateway", "proxy"), "configurable-http-proxy", $"≥ {TargetVsProxy}×", Ratio("gateway", "proxy").Median >= TargetVsProxy));
        }

        if (hasNginx)
        {
            figures.Add(new("throughput, nginx", "req/s", Summary.Of(throughput["nginx"]), Ratio("nginx", "direct"), "direct"));
            figures.Add(new("throughput, gateway vs nginx", "req/s", Summary.Of(throughput["gateway"]), Ratio("gateway", "nginx"), "nginx", $"≥ {TargetVsNginx}×", Ratio("gateway", "nginx").Median >= TargetVsNginx));
        }

        figures.Add(new("proxy CPU per request, bare forwarder", "µs", Summary.Of(cpuPerRequest["forwarder"])));
        figures.Add(new("proxy CPU per request, gateway", "µs", Summary.Of(cpuPerRequest["gateway"]), Summary.Of(cpuPerRequest["gateway"].Select((g, i) => g / cpuPerRequest["forwarder"][i]).ToList()), "bare forwarder"));
        if (hasProxy)
        {
            figures.Add(new("proxy CPU per request, configurable-http-proxy", "µs", Summary.Of(cpuPerRequest["proxy"])));
        }

        if (hasNginx)
        {
            figures.Add(new("proxy CPU per request, nginx", "µs", Summary.Of(cpuPerRequest["nginx"])));
            figures.Add(new("proxy CPU per request, gateway vs nginx", "µs", Summary.Of(cpuPerRequest["gateway"]), Summary.Of(cpuPerRequest["gateway"].Select((g, i) => g / cpuPerRequest["nginx"][i]).ToList()), "nginx"));
        }

        var at = rate.ToString("N0", CultureInfo.InvariantCulture);
        var extra = Summary.Of(p99["gateway"].Select((g, i) => g - p99["forwarder"][i]).ToList());
        figures.Add(new($"p99 at {at} req/s, direct", "ms", Summary.Of(p99["direct"])));
        figures.Add(new($"p99 at {at} req/s, bare forwarder", "ms", Summary.Of(p99["forwarder"]), Summary.Of(p99["forwarder"].Select((f, i) => f / p99["direct"][i]).ToList()), "direct"));
        figures.Add(new($"p99 at {at} req/s, gateway", "ms", Summary.Of(p99["gateway"]), Summary.Of(p99["gateway"].Select((g, i) => g / p99["forwarder"][i]).ToList()), "bare forwarder"));
        if (hasNginx)
        {
            figures.Add(new($"p99 at {at} req/s, nginx", "ms", Summary.Of(p99["nginx"]), Summary.Of(p99["nginx"].Select((n, i) => n / p99["direct"][i]).ToList()), "direct"));
        }

        figures.Add(new("gateway p99 minus bare forwarder p99", "ms", extra, Target: $"≤ {TargetExtraP99Ms} ms", Met: extra.Median <= TargetExtraP99Ms));
        return figures;
    }

    private static string Note(bool hasProxy, bool hasNginx) =>
        $"closed loop at {Concurrency} concurrent requests (HTTP/1.1 keep-alive, 1 KiB body, IDE cookie sent to every variant); latency open loop at half the gateway's throughput; " +
        TunnelPeers.Note(hasProxy, hasNginx);
}

using System.Globalization;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;
using ZlhGrind.Benchmarks.Tunnel;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>
/// Issue 7, scenario 3: gateway throughput with requests spread over few vs many dev containers with live
/// sessions (each request to the next container, with its cookie). At 100,000 each container is visited only every
/// few seconds, longer than the session cache's 5 s TTL, so this shows whether the session feed keeps lookups off
/// the proxied path.
/// </summary>
internal sealed class RouteScale : IScenario
{
    private const int Concurrency = 16;
    private const int Few = 10;
    private const int IssueMany = 100_000;
    private const double Target = 0.95;

    public string Name => "route-scale";

    public string Title => "3 Route scale";

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var many = context.Quick ? 300 : IssueMany;
        var duration = TimeSpan.FromSeconds(context.Quick ? 1 : 5);
        await using var rig = await TunnelRig.StartAsync(context, Name, cancellationToken);
        context.Progress(Name, $"opening {Few + many:N0} IDE sessions");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var few = await rig.OpenSessionsAsync(ContainerId.Min, Few, cancellationToken);
        var lots = await rig.OpenSessionsAsync(ContainerId.Min + Few, many, cancellationToken, done => context.Progress(Name, $"{done:N0} sessions open"));
        var setupRate = (Few + many) / System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"sessions open ({setupRate:0} containers/s)"));

        List<HttpTarget> Targets(IReadOnlyList<IdeSession> sessions) =>
            sessions.Select(s => new HttpTarget(new Uri($"http://127.0.0.1:{rig.GatewayPort}{s.Path}"), s.Cookie)).ToList();
        var fewTargets = Targets(few);
        var manyTargets = Targets(lots);
        using var fewLoad = new HttpLoad(256);
        using var manyLoad = new HttpLoad(256);
        // Warm-up: connections and JIT, and every container once through the gateway (its first lookup), as
        // open IDEs would have been; what is measured is the steady state of a large fleet.
        await fewLoad.ThroughputAsync(fewTargets, Concurrency, TimeSpan.FromSeconds(1), cancellationToken);
        await manyLoad.VisitEachAsync(manyTargets, Concurrency, cancellationToken);

        var results = await AlternatingRounds.RunAsync(
            context.Rounds,
            [
                ("few", (_, ct) => fewLoad.ThroughputAsync(fewTargets, Concurrency, duration, ct)),
                ("many", (_, ct) => manyLoad.ThroughputAsync(manyTargets, Concurrency, duration, ct)),
            ],
            (r, variant, rate) => context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {r + 1} {variant}: {rate:N0} req/s")),
            cancellationToken);

        var ratio = Summary.Of(results["many"].Select((m, i) => m / results["few"][i]).ToList());
        List<Figure> figures =
        [
            new($"gateway throughput, {Few} containers", "req/s", Summary.Of(results["few"])),
            new($"gateway throughput, {many:N0} containers", "req/s", Summary.Of(results["many"]), ratio, $"{Few} containers", $"≥ {Target}× at {IssueMany:N0}", context.Quick || many < IssueMany ? null : ratio.Median >= Target),
            new("session set-up rate (provision to IDE session)", "containers/s", Summary.Of([setupRate])),
        ];
        var note = (many < IssueMany ? $"{many:N0} containers instead of {IssueMany:N0} (quick mode; the target is not judged); " : "")
            + $"closed loop at {Concurrency} concurrent requests through the gateway, each to the next container with its own cookie, after one warm-up request to each; "
            + "the gateway keeps a session lookup past its 5 s TTL while the session feed (polled every second) reports no change";
        return new ScenarioResult(Name, Title, ScenarioStatus.Measured, figures, note, 0);
    }
}

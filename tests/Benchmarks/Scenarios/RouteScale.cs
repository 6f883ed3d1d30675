using System.Globalization;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;
using ZlhGrind.Benchmarks.Tunnel;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>
/// Issue 7, scenario 3: gateway throughput with requests spread over few vs many dev containers with live
/// sessions (each request to the next container, with its cookie). With many containers most requests miss the
/// gateway's session cache, so this shows what a lookup per request costs.
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
        // Setting up a container with a session takes seven grain calls (provision, connect, report, heartbeat,
        // token, redeem) on two shared cores, so 100,000 would take the better part of an hour here.
        var many = context.Quick ? 300 : 5_000;
        var duration = TimeSpan.FromSeconds(context.Quick ? 1 : 5);
        await using var rig = await TunnelRig.StartAsync(context, Name, cancellationToken);
        context.Progress(Name, $"opening {Few + many:N0} IDE sessions");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var few = await rig.OpenSessionsAsync(ContainerId.Min, Few, cancellationToken);
        var lots = await rig.OpenSessionsAsync(ContainerId.Min + Few, many, cancellationToken);
        var setupRate = (Few + many) / System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"sessions open ({setupRate:0} containers/s)"));

        List<HttpTarget> Targets(IReadOnlyList<IdeSession> sessions) =>
            sessions.Select(s => new HttpTarget(new Uri($"http://127.0.0.1:{rig.GatewayPort}{s.Path}"), s.Cookie)).ToList();
        var fewTargets = Targets(few);
        var manyTargets = Targets(lots);
        using var fewLoad = new HttpLoad(256);
        using var manyLoad = new HttpLoad(256);
        await fewLoad.ThroughputAsync(fewTargets, Concurrency, TimeSpan.FromSeconds(1), cancellationToken);
        await manyLoad.ThroughputAsync(manyTargets, Concurrency, TimeSpan.FromSeconds(1), cancellationToken);

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
        var note = $"{many:N0} containers instead of {IssueMany:N0} (set-up rate above; the target is not judged at the smaller count); closed loop at {Concurrency} concurrent requests through the gateway, each to the next container with its own cookie; the gateway trusts a session lookup for 5 s";
        return new ScenarioResult(Name, Title, ScenarioStatus.Measured, figures, note, 0);
    }
}

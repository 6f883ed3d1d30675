using System.Globalization;
using System.Net.WebSockets;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;
using ZlhGrind.Benchmarks.Tunnel;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>
/// Issue 7, scenario 2 (peers added by issue 20): WebSocket echo round trips directly, through the bare forwarder,
/// through the gateway's tunnel, through configurable-http-proxy and through nginx, then idle sockets held open
/// through the gateway to see what each costs it in memory (its RSS from /proc).
/// </summary>
internal sealed class IdeTunnelWebSocket : IScenario
{
    private const int EchoSockets = 16;
    private const int IssueIdleSockets = 5_000;
    private const double TargetVsForwarder = 0.9;
    private const double TargetP99VsDirect = 1.5;
    private const double GoalKiBPerSocket = 16;

    public string Name => "ide-websocket";

    public string Title => "2 IDE tunnel, WebSocket";

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var duration = TimeSpan.FromSeconds(context.Quick ? 1 : 5);
        var idleCount = context.Quick ? 300 : IssueIdleSockets;
        await using var rig = await TunnelRig.StartAsync(context, Name, cancellationToken);
        await rig.StartForwarderAsync(context, Name, cancellationToken);
        var hasProxy = await rig.TryStartProxyAsync(context, Name, cancellationToken);
        var hasNginx = await rig.TryStartNginxAsync(context, Name, cancellationToken);
        var session = (await rig.OpenSessionsAsync(ContainerId.Min, 1, cancellationToken))[0];
        var urls = new Dictionary<string, Uri>
        {
            ["direct"] = new($"ws://127.0.0.1:{rig.UpstreamPort}/ws"),
            ["forwarder"] = new($"ws://127.0.0.1:{rig.ForwarderPort}{session.Path}ws"),
            ["gateway"] = new($"ws://127.0.0.1:{rig.GatewayPort}{session.Path}ws"),
        };
        if (hasProxy)
        {
            urls["proxy"] = new($"ws://127.0.0.1:{rig.ProxyPort}{session.Path}ws");
        }

        if (hasNginx)
        {
            urls["nginx"] = new($"ws://127.0.0.1:{rig.Nginx!.Port}{session.Path}ws");
        }

        var sockets = new Dictionary<string, List<ClientWebSocket>>();
        try
        {
            foreach (var (variant, url) in urls)
            {
                sockets[variant] = [];
                for (var i = 0; i < EchoSockets; i++)
                {
                    sockets[variant].Add(await WebSocketLoad.ConnectAsync(url, session.Cookie, cancellationToken));
                }

                await WebSocketLoad.EchoAsync(sockets[variant], TimeSpan.FromSeconds(1), cancellationToken);
            }

            var echo = await AlternatingRounds.RunAsync(
                context.Rounds,
                urls.Keys.Select(v => (v, (Func<int, CancellationToken, Task<(double Rate, double P99)>>)(async (_, ct) =>
                {
                    var (rate, trips) = await WebSocketLoad.EchoAsync(sockets[v], duration, ct);
                    return (rate, trips.PercentileMs(99));
                }))).ToList(),
                (r, variant, result) => context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {r + 1} {variant}: {result.Rate:N0} messages/s, round-trip p99 {result.P99:0.###} ms")),
                cancellationToken);

            var idle = await AlternatingRounds.RunAsync(
                context.Rounds,
                [("idle", (_, ct) => IdleRoundAsync(rig, urls["gateway"], session.Cookie, idleCount, ct))],
                (r, _, kib) => context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {r + 1}: {idleCount:N0} idle sockets, {kib:0.#} KiB of gateway memory each")),
                cancellationToken);

            Summary Rate(string v) => Summary.Of(echo[v].Select(e => e.Rate).ToList());
            Summary P99(string v) => Summary.Of(echo[v].Select(e => e.P99).ToList());
            var rateRatio = Summary.Of(echo["gateway"].Select((g, i) => g.Rate / echo["forwarder"][i].Rate).ToList());
            var p99Ratio = Summary.Of(echo["gateway"].Select((g, i) => g.P99 / echo["direct"][i].P99).ToList());
            var perSocket = Summary.Of(idle["idle"]);
            List<Figure> figures =
            [
                new("echo rate, direct", "messages/s", Rate("direct")),
                new("echo rate, bare forwarder", "messages/s", Rate("forwarder"), Summary.Of(echo["forwarder"].Select((f, i) => f.Rate / echo["direct"][i].Rate).ToList()), "direct"),
                new("echo rate, gateway", "messages/s", Rate("gateway"), rateRatio, "bare forwarder", $"≥ {TargetVsForwarder}×", rateRatio.Median >= TargetVsForwarder),
                new("round-trip p99, direct", "ms", P99("direct")),
                new("round-trip p99, bare forwarder", "ms", P99("forwarder"), Summary.Of(echo["forwarder"].Select((f, i) => f.P99 / echo["direct"][i].P99).ToList()), "direct"),
                new("round-trip p99, gateway", "ms", P99("gateway"), p99Ratio, "direct", $"≤ {TargetP99VsDirect}×", p99Ratio.Median <= TargetP99VsDirect),
                new($"gateway memory per idle socket ({idleCount:N0} open)", "KiB", perSocket, Target: $"≤ {GoalKiBPerSocket} KiB (goal)", Met: perSocket.Median <= GoalKiBPerSocket),
            ];
            foreach (var (peer, label) in new[] { ("proxy", "configurable-http-proxy"), ("nginx", "nginx") }.Where(p => urls.ContainsKey(p.Item1)))
            {
                var gatewayVsPeer = Summary.Of(echo["gateway"].Select((g, i) => g.Rate / echo[peer][i].Rate).ToList());
                figures.Add(new($"echo rate, {label}", "messages/s", Rate(peer), Summary.Of(echo[peer].Select((p, i) => p.Rate / echo["direct"][i].Rate).ToList()), "direct"));
                figures.Add(new($"echo rate, gateway vs {label}", "messages/s", Rate("gateway"), gatewayVsPeer, label));
                figures.Add(new($"round-trip p99, {label}", "ms", P99(peer), Summary.Of(echo[peer].Select((p, i) => p.P99 / echo["direct"][i].P99).ToList()), "direct"));
            }

            var note = $"{EchoSockets} sockets per variant, each echoing 64-byte messages back to back; idle sockets are opened through the gateway (each holds a client and an upstream connection there) and memory is the growth of its RSS{(context.Quick ? $"; quick mode: {idleCount:N0} idle sockets instead of {IssueIdleSockets:N0}" : "")}; {TunnelPeers.Note(hasProxy, hasNginx)}";
            return new ScenarioResult(Name, Title, ScenarioStatus.Measured, figures, note, 0);
        }
        finally
        {
            foreach (var socket in sockets.Values.SelectMany(s => s))
            {
                socket.Dispose();
            }
        }
    }

    private static async Task<double> IdleRoundAsync(TunnelRig rig, Uri url, string cookie, int count, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var before = rig.GatewaySampler.RssBytes();
        var idle = new ClientWebSocket[count];
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, count),
                new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken },
                async (i, ct) => idle[i] = await WebSocketLoad.ConnectAsync(url, cookie, ct));
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var after = rig.GatewaySampler.RssBytes();
            return (after - before) / 1024.0 / count;
        }
        finally
        {
            foreach (var socket in idle)
            {
                socket?.Dispose();
            }
        }
    }
}

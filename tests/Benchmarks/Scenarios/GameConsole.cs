using System.Diagnostics;
using System.Globalization;
using ZlhGrind.Benchmarks.Agents;
using ZlhGrind.Benchmarks.Consoles;
using ZlhGrind.Benchmarks.Measuring;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;
using ZlhGrind.Benchmarks.Tunnel;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>
/// Issue 15: the game console through the gateway and the cluster (browser socket → gateway → console grain → the
/// real agent process → the shim's FIFO → the server, and back through console.log, the agent's tail and the grain's
/// relay) against the same console read on the server's machine: command → echo round trips, output throughput of one
/// server, and many viewers of one console on one gateway with the memory each costs.
/// </summary>
internal sealed class GameConsole : IScenario
{
    private const double TargetP99Ms = 5;
    private const double TargetMBps = 10;
    private const int IssueViewers = 1_000;
    private const double TargetCloseMs = 1_000;
    private const int ClosingViewers = 50;
    private const string EchoServer = """
        while IFS= read -r line; do
          case "$line" in
            flood\ *) yes 'console throughput: one line of output, eighty bytes long, again and again.' 2>/dev/null | head -c "${line#flood }"; echo "flood done";;
            *) echo "echo $line";;
          esac
        done
        """;

    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(60);

    public string Name => "console";

    public string Title => "9 Game console";

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var trips = context.Quick ? 40 : 400;
        var floodBytes = context.Quick ? 2L * 1024 * 1024 : 32L * 1024 * 1024;
        var viewers = context.Quick ? 200 : IssueViewers;

        // Commands are measured back to back, so the per-console rate limit (10, then 1 per second) is lifted here.
        await using var rig = await TunnelRig.StartAsync(context, Name, cancellationToken, allowDevTokens: true, siloSettings: new Dictionary<string, string>
        {
            ["Console__CommandBurst"] = "100000000",
            ["Console__CommandRefill"] = "00:00:00.001",
        });
        using var http = await rig.OwnerClientAsync(cancellationToken);
        var directory = Path.Combine(context.LogDirectory, Name + "-work");
        Directory.CreateDirectory(directory);
        var script = Path.Combine(directory, "echo-server.sh");
        await File.WriteAllTextAsync(script, EchoServer, cancellationToken);

        var id = ContainerId.Min;
        var grain = rig.Client.GetGrain<IGameServerGrain>(id);
        CallAs.GatewayWithKey(rig.ServiceKey);
        var provisioned = await grain.ProvisionAsync(Provisioning.Owner, new GameServerSpec("generic", $"sh {script}", null, 256));
        var agent = await GameAgentProcess.StartAsync(context, rig, Name, id, directory, provisioned.AgentCredential, new Dictionary<string, string>
        {
            // Rounds of floods must not be cut by a rotation (its copy-and-truncate may drop a few lines by design).
            ["Agent__Game__MaxConsoleLogBytes"] = (64L * 1024 * 1024 * 1024).ToString(CultureInfo.InvariantCulture),

            // The agent's first registration often comes before its cluster link; retried every second, not every 15 s.
            ["Agent__Console__RefreshInterval"] = "00:00:01",
        }, cancellationToken);
        try
        {
            await GameAgentProcess.PowerStartAsync(rig, grain, GiveUpAfter, cancellationToken);
            var main = await OpenWhenReadyAsync(http, id, cancellationToken);
            await using var _ = main;
            var run = Path.Combine(directory, "agent", "game", "run");
            var log = Path.Combine(run, "console.log");
            using var local = new LocalConsole(run);
            context.Progress(Name, "the server runs and its console answers through the gateway");

            var roundTrips = await AlternatingRounds.RunAsync(
                context.Rounds,
                [
                    ("local", (r, ct) => RoundTripsAsync(trips, i => $"local {r} {i}", (c, token) => LocalTripAsync(local, c, token), ct)),
                    ("gateway", async (r, ct) =>
                    {
                        await CaughtUpAsync(main, log, ct);
                        return await RoundTripsAsync(trips, i => $"gateway {r} {i}", (c, token) => GatewayTripAsync(main, c, token), ct);
                    }),
                ],
                (r, variant, result) => context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {r + 1} {variant}: round trip p50 {result.P50:0.###} ms, p99 {result.P99:0.###} ms")),
                cancellationToken);

            var throughput = await AlternatingRounds.RunAsync(
                context.Rounds,
                [
                    ("local", (_, ct) => LocalFloodAsync(local, floodBytes, ct)),
                    ("gateway", async (_, ct) =>
                    {
                        await CaughtUpAsync(main, log, ct);
                        return await GatewayFloodAsync(main, floodBytes, ct);
                    }),
                ],
                (r, variant, mbps) => context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {r + 1} {variant}: {mbps:0.#} MB/s")),
                cancellationToken);

            var fanOut = await AlternatingRounds.RunAsync(
                context.Rounds,
                [("viewers", async (r, ct) =>
                {
                    await CaughtUpAsync(main, log, ct);
                    return await ViewersRoundAsync(rig, http, id, main, viewers, r, ct);
                })],
                (r, _, result) => context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {r + 1}: {viewers:N0} viewers, {result.KiB:0.#} KiB of gateway memory each, echo to all p99 {result.P99:0.#} ms")),
                cancellationToken);

            // Last, as it ends the container: sockets open on its console, the owner deletes it, and each socket's close
            // frame is timed from the DELETE request (the grain pushes the revocation to every watching gateway at once).
            context.Progress(Name, $"close latency: deleting the container under {ClosingViewers} open sockets");
            var closing = await CloseLatencyAsync(http, id, main, cancellationToken);

            Summary Of<T>(IReadOnlyDictionary<string, List<T>> results, string variant, Func<T, double> value) => Summary.Of(results[variant].Select(value).ToList());
            Summary Ratio<T>(IReadOnlyDictionary<string, List<T>> results, Func<T, double> value) =>
                Summary.Of(results["gateway"].Select((g, i) => value(g) / value(results["local"][i])).ToList());
            var p99 = Of(roundTrips, "gateway", t => t.P99);
            var rate = Of(throughput, "gateway", t => t);
            List<Figure> figures =
            [
                new("command → echo p50, local (FIFO + console.log)", "ms", Of(roundTrips, "local", t => t.P50)),
                new("command → echo p50, through gateway and cluster", "ms", Of(roundTrips, "gateway", t => t.P50), Ratio(roundTrips, t => t.P50), "local"),
                new("command → echo p99, local (FIFO + console.log)", "ms", Of(roundTrips, "local", t => t.P99)),
                new("command → echo p99, through gateway and cluster", "ms", p99, Ratio(roundTrips, t => t.P99), "local", $"≤ {TargetP99Ms} ms", p99.Median <= TargetP99Ms),
                new("output throughput, local (reading console.log)", "MB/s", Of(throughput, "local", t => t)),
                new("output throughput, to a WebSocket client", "MB/s", rate, Ratio(throughput, t => t), "local", $"≥ {TargetMBps} MB/s", rate.Median >= TargetMBps),
                new($"gateway memory per viewer ({viewers:N0} on one console)", "KiB", Of(fanOut, "viewers", t => t.KiB)),
                new($"one command's echo at all {viewers:N0} viewers, p50", "ms", Of(fanOut, "viewers", t => t.P50)),
                new($"one command's echo at all {viewers:N0} viewers, p99", "ms", Of(fanOut, "viewers", t => t.P99)),
                new($"close latency, container deleted → close frame at the client, p50 of {ClosingViewers} sockets (one deletion)", "ms", Summary.Of([closing.P50])),
                new($"close latency, container deleted → close frame at the client, slowest of {ClosingViewers} sockets", "ms", Summary.Of([closing.Max]), Target: $"≤ {TargetCloseMs:0} ms", Met: closing.Max <= TargetCloseMs),
            ];
            var note = string.Create(
                CultureInfo.InvariantCulture,
                $"the real agent process and a shell server that echoes each command (or writes N bytes for 'flood N'); {trips} commands back to back per round; {floodBytes / 1024 / 1024} MiB per flood (MB = 10^6 bytes); viewers opened from the end of the output, memory the growth of the gateway's RSS{(context.Quick ? $"; quick mode: {viewers} viewers instead of {IssueViewers:N0}" : "")}");
            return new ScenarioResult(Name, Title, ScenarioStatus.Measured, figures, note, 0);
        }
        finally
        {
            agent.Kill();
        }
    }

    /// <summary>Opens the main socket once the new agent's console answers a command.</summary>
    private static async Task<ConsoleViewer> OpenWhenReadyAsync(HttpClient http, long id, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var viewer = await ConsoleViewer.OpenAsync(http, id, since: null, cancellationToken);
            var echoed = viewer.WaitForTextAsync("echo ready\n");
            await viewer.SendCommandAsync("ready", cancellationToken);
            if (await Task.WhenAny(echoed, Task.Delay(TimeSpan.FromSeconds(2), cancellationToken)) == echoed)
            {
                return viewer;
            }

            await viewer.DisposeAsync();
            if (Stopwatch.GetElapsedTime(started) > GiveUpAfter)
            {
                throw new TimeoutException($"the console did not answer within {GiveUpAfter.TotalSeconds:0} s (see the agent's log)");
            }
        }
    }

    private static async Task<(double P50, double P99)> RoundTripsAsync(int count, Func<int, string> command, Func<string, CancellationToken, Task<long>> trip, CancellationToken cancellationToken)
    {
        var ticks = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            ticks.Add(Stopwatch.GetElapsedTime(0, await trip(command(i), cancellationToken)).TotalMilliseconds);
        }

        ticks.Sort();
        return (Percentile(ticks, 50), Percentile(ticks, 99));
    }

    /// <summary>Waits until the socket has everything the log holds (the other variant's output reaches it too).</summary>
    private static Task<long> CaughtUpAsync(ConsoleViewer viewer, string log, CancellationToken cancellationToken) =>
        viewer.WaitForEndAsync(new FileInfo(log).Length).WaitAsync(GiveUpAfter, cancellationToken);

    private static async Task<long> LocalTripAsync(LocalConsole local, string command, CancellationToken cancellationToken)
    {
        var started = await local.SendAsync(command, cancellationToken);
        return await local.ReadUntilAsync($"echo {command}\n", cancellationToken) - started;
    }

    private static async Task<long> GatewayTripAsync(ConsoleViewer viewer, string command, CancellationToken cancellationToken)
    {
        var echoed = viewer.WaitForTextAsync($"echo {command}\n");
        var started = Stopwatch.GetTimestamp();
        await viewer.SendCommandAsync(command, cancellationToken);
        return await echoed.WaitAsync(GiveUpAfter, cancellationToken) - started;
    }

    private static async Task<double> LocalFloodAsync(LocalConsole local, long bytes, CancellationToken cancellationToken)
    {
        var started = await local.SendAsync($"flood {bytes}", cancellationToken);
        var done = await local.ReadBytesAsync(bytes + "flood done\n".Length, cancellationToken);
        return bytes / Stopwatch.GetElapsedTime(started, done).TotalSeconds / 1e6;
    }

    private static async Task<double> GatewayFloodAsync(ConsoleViewer viewer, long bytes, CancellationToken cancellationToken)
    {
        var reached = viewer.WaitForEndAsync(viewer.End + bytes + "flood done\n".Length);
        var started = Stopwatch.GetTimestamp();
        await viewer.SendCommandAsync($"flood {bytes}", cancellationToken);
        return bytes / Stopwatch.GetElapsedTime(started, await reached.WaitAsync(GiveUpAfter, cancellationToken)).TotalSeconds / 1e6;
    }

    private static async Task<(double KiB, double P50, double P99)> ViewersRoundAsync(TunnelRig rig, HttpClient http, long id, ConsoleViewer main, int count, int round, CancellationToken cancellationToken)
    {
        // Settle, then the gateway's resident memory before and after the viewers open.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var before = rig.GatewaySampler.RssBytes();
        var since = main.End;
        var viewers = new ConsoleViewer[count];
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, count),
                new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                async (i, ct) => viewers[i] = await ConsoleViewer.OpenAsync(http, id, since, ct));
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var kib = (rig.GatewaySampler.RssBytes() - before) / 1024.0 / count;

            var marker = $"echo fan {round}\n";
            var arrivals = viewers.Select(v => v.WaitForTextAsync(marker)).ToArray();
            var started = Stopwatch.GetTimestamp();
            await main.SendCommandAsync($"fan {round}", cancellationToken);
            var times = (await Task.WhenAll(arrivals).WaitAsync(GiveUpAfter, cancellationToken)).Select(t => Stopwatch.GetElapsedTime(started, t).TotalMilliseconds).Order().ToList();
            return (kib, Percentile(times, 50), Percentile(times, 99));
        }
        finally
        {
            foreach (var viewer in viewers.Where(v => v is not null))
            {
                await viewer.DisposeAsync();
            }
        }
    }

    private static async Task<(double P50, double Max)> CloseLatencyAsync(HttpClient http, long id, ConsoleViewer main, CancellationToken cancellationToken)
    {
        var sockets = new List<ConsoleViewer> { main };
        try
        {
            for (var i = 1; i < ClosingViewers; i++)
            {
                sockets.Add(await ConsoleViewer.OpenAsync(http, id, main.End, cancellationToken));
            }

            var started = Stopwatch.GetTimestamp();
            using var deleted = await http.DeleteAsync($"/api/servers/{id}", cancellationToken);
            deleted.EnsureSuccessStatusCode();
            var times = (await Task.WhenAll(sockets.Select(s => s.Closed)).WaitAsync(GiveUpAfter, cancellationToken))
                .Select(t => Stopwatch.GetElapsedTime(started, t).TotalMilliseconds).Order().ToList();
            return (Percentile(times, 50), times[^1]);
        }
        finally
        {
            // The main socket is the caller's to dispose.
            foreach (var socket in sockets.Skip(1))
            {
                await socket.DisposeAsync();
            }
        }
    }

    private static double Percentile(List<double> sorted, double percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

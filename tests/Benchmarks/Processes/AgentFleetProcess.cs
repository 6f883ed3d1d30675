using System.Diagnostics;
using System.Globalization;
using ZlhGrind.Benchmarks.Agents;
using ZlhGrind.Benchmarks.Measuring;
using ZlhGrind.Benchmarks.Running;

namespace ZlhGrind.Benchmarks.Processes;

/// <summary>
/// A load-generator child (mode <c>agents</c>): hosts a block of real agent connections (each its own Orleans client
/// with its observer), heartbeats each of them every period from the moment all are connected, and answers
/// <c>report N</c> on its standard input with the latencies recorded since its previous report. One process cannot
/// hold 10,000 client hosts on two cores, so the agent-connections scenario spreads them over several of these.
/// </summary>
internal static class AgentFleetProcess
{
    public const string Mode = "agents";
    public const string ReadyLine = "agent fleet: all connected";
    private const string ReportCommand = "report";
    private const string ReportLine = "agent fleet report";
    private const int ConnectConcurrency = 8;

    /// <summary>The child's side: <c>agents FILE GATEWAY-PORT PERIOD-MS</c>, FILE holding one "id credential" line per agent.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var lines = await File.ReadAllLinesAsync(args[0]);
        var gatewayPort = int.Parse(args[1], CultureInfo.InvariantCulture);
        var period = TimeSpan.FromMilliseconds(int.Parse(args[2], CultureInfo.InvariantCulture));
        var connected = new ConnectedAgent[lines.Length];
        var done = 0;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, lines.Length),
            new ParallelOptions { MaxDegreeOfParallelism = ConnectConcurrency },
            async (i, ct) =>
            {
                var parts = lines[i].Split(' ');
                connected[i] = await ConnectedAgent.ConnectAsync(long.Parse(parts[0], CultureInfo.InvariantCulture), parts[1], gatewayPort, "zlhgrind", ct);
                if (Interlocked.Increment(ref done) % 500 == 0)
                {
                    Console.WriteLine($"agent fleet: {done} connected");
                }
            });

        Console.WriteLine(ReadyLine);
        using var stop = new CancellationTokenSource();
        var window = new LatencyRecorder();
        var pacing = Task.Factory.StartNew(() => Pace(connected.Select(c => c.Agent).ToArray(), period, () => Volatile.Read(ref window), stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        while (await Console.In.ReadLineAsync() is { } command && command.StartsWith(ReportCommand, StringComparison.Ordinal))
        {
            var finished = Interlocked.Exchange(ref window, new LatencyRecorder());
            var micros = finished.ElapsedTicks().Select(t => (t * 1_000_000 / Stopwatch.Frequency).ToString(CultureInfo.InvariantCulture));
            Console.WriteLine($"{ReportLine} {command[ReportCommand.Length..].Trim()} {finished.Failures} {string.Join(',', micros)}");
        }

        // End of input: the parent is done; the connections close one by one, as agents that stop would.
        await stop.CancelAsync();
        await pacing.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        await Parallel.ForEachAsync(connected, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (c, _) => await c.DisposeAsync());
        return 0;
    }

    /// <summary>Starts a child for <paramref name="agents"/> (ids and credentials in a file beside the logs); waits until all are connected.</summary>
    public static async Task<ChildProcess> StartAsync(BenchContext context, string name, IReadOnlyList<SimulatedAgent> agents, int gatewayPort, TimeSpan period, CancellationToken cancellationToken)
    {
        var file = Path.Combine(context.LogDirectory, name + ".agents");
        await File.WriteAllLinesAsync(file, agents.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.ContainerId} {a.Credential}")), cancellationToken);
        var start = Dotnet.Mode(context, Mode);
        start.ArgumentList.Add(file);
        start.ArgumentList.Add(gatewayPort.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(((int)period.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        start.RedirectStandardInput = true;
        var child = context.Children.Start(start, Path.Combine(context.LogDirectory, name + ".log"));

        // Connecting is a few hundred client hosts per minute per process on two shared cores.
        await child.WaitForLineAsync(ReadyLine, TimeSpan.FromMinutes(20), cancellationToken);
        File.Delete(file);
        return child;
    }

    /// <summary>Asks every child for its latencies since the last report (numbered <paramref name="report"/>) and merges them.</summary>
    public static async Task<LatencyRecorder> ReportAsync(IReadOnlyList<ChildProcess> children, int report, CancellationToken cancellationToken)
    {
        var merged = new LatencyRecorder();
        var replies = children.Select(c =>
        {
            var reply = c.WaitForLineAsync($"{ReportLine} {report} ", TimeSpan.FromSeconds(60), cancellationToken);
            c.WriteLine($"{ReportCommand} {report}");
            return reply;
        }).ToList();
        foreach (var line in await Task.WhenAll(replies))
        {
            var fields = line.Split(' ');
            for (var i = 0; i < long.Parse(fields[^2], CultureInfo.InvariantCulture); i++)
            {
                merged.Fail();
            }

            foreach (var micros in fields[^1].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                merged.RecordElapsed(long.Parse(micros, CultureInfo.InvariantCulture) * Stopwatch.Frequency / 1_000_000);
            }
        }

        return merged;
    }

    /// <summary>Open loop, as <see cref="PacedHeartbeats"/>, but without end: agent k mod N beats at start + k × period / N.</summary>
    private static void Pace(SimulatedAgent[] agents, TimeSpan period, Func<LatencyRecorder> current, CancellationToken cancellationToken)
    {
        var ticksPerBeat = period.TotalSeconds * Stopwatch.Frequency / agents.Length;
        var start = Stopwatch.GetTimestamp();
        long sent = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var due = (long)((Stopwatch.GetTimestamp() - start) / ticksPerBeat) + 1;
            for (; sent < due; sent++)
            {
                _ = BeatAsync(agents[(int)(sent % agents.Length)], current());
            }

            Thread.Sleep(1);
        }
    }

    private static async Task BeatAsync(SimulatedAgent agent, LatencyRecorder window)
    {
        var sentAt = Stopwatch.GetTimestamp();
        try
        {
            await agent.HeartbeatAsync();
            window.Record(sentAt);
        }
        catch (Exception)
        {
            // Counted; the agent beats again one period later.
            window.Fail();
        }
    }
}

using System.Diagnostics;
using System.Runtime.InteropServices;
using ZlhGrind.Benchmarks.Processes;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Scenarios;

namespace ZlhGrind.Benchmarks.Running;

/// <summary>The runner: parses the command line, runs the chosen scenarios one after another, prints one table, writes the JSON.</summary>
internal static class BenchApp
{
    /// <summary>Every scenario of issue 7, in the issue's order.</summary>
    public static IReadOnlyList<IScenario> Scenarios { get; } =
    [
        new IdeTunnelHttp(),
        new IdeTunnelWebSocket(),
        new RouteScale(),
        new HeartbeatScale(),
        new AgentConnections(),
        new Failover(),
        new CrashReaction(),
        new HeartbeatTls(),
        new GameConsole(),
        new Files(),
        new AgentFootprint(),
    ];

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var root = FindRepositoryRoot();
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args, Scenarios.Select(s => s.Name).ToArray(), Path.Combine(root, ".zlh", "bench", "results.json"));
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"bench: {e.Message}\n{BenchOptions.Usage}\nscenarios: {string.Join(", ", Scenarios.Select(s => s.Name))}");
            return 2;
        }

        var startedAt = DateTimeOffset.UtcNow;
        var logs = Path.Combine(Path.GetDirectoryName(options.OutputPath)!, "logs", startedAt.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        using var children = new ChildProcesses();
        var context = new BenchContext(options, root, logs, children, Console.Error);
        var clock = Stopwatch.StartNew();
        var results = new List<ScenarioResult>();
        foreach (var scenario in Scenarios.Where(s => options.Only.Count == 0 || options.Only.Contains(s.Name)))
        {
            context.Progress(scenario.Name, options.Quick ? "starting (quick)" : "starting");
            var started = Stopwatch.GetTimestamp();
            ScenarioResult result;
            try
            {
                result = await scenario.RunAsync(context, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One broken scenario must not cost the others their figures; the table says it failed and why.
                result = new ScenarioResult(scenario.Name, scenario.Title, ScenarioStatus.Failed, [], $"failed: {e.GetType().Name}: {e.Message}", 0);
            }
            finally
            {
                // Whatever a scenario left running (it should have stopped its own) ends here.
                children.KillAll();
            }

            result = result with { Seconds = Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 1) };
            context.Progress(scenario.Name, $"{result.Status} in {result.Seconds:0.#} s");
            results.Add(result);
        }

        var report = new BenchReport(startedAt, Math.Round(clock.Elapsed.TotalSeconds, 1), options.Quick, Environment.ProcessorCount, RuntimeInformation.FrameworkDescription, results);
        await report.WriteAsync(options.OutputPath, cancellationToken);
        await output.WriteLineAsync(TableWriter.Render(report));
        await output.WriteLineAsync($"results: {options.OutputPath} (logs of started processes: {logs})");
        return results.Any(r => r.Status == ScenarioStatus.Failed) ? 1 : 0;
    }

    /// <summary>The checkout this benchmark was built from (the folder holding ZlhGrind.sln).</summary>
    public static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ZlhGrind.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no ZlhGrind.sln above {AppContext.BaseDirectory}: run the benchmark from its build output in the repository");
    }
}

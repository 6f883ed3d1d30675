using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;

namespace ZlhGrind.Benchmarks.Tests;

/// <summary>
/// Runs `./zlh bench --quick` the way the launcher does (same entry point, real silo processes, the throwaway
/// PostgreSQL of ./zlh test) and checks the report's shape — never the figures, which depend on the machine.
/// </summary>
public sealed class BenchmarkQuickModeTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "zlh-bench-test-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task RunAsync_QuickMode_EveryScenarioProducesFigures()
    {
        var server = Environment.GetEnvironmentVariable("ZLH_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("ZLH_TEST_POSTGRES is not set: run the suite with ./zlh test, which starts a throwaway PostgreSQL.");
        var results = Path.Combine(_directory, "results.json");
        using var table = new StringWriter();
        // The quick run takes about 3 minutes on a quiet machine; ./zlh test runs it beside the end-to-end project, and the
        // margin is for that load on a busy machine (a bound on a hang, not on speed: the figures are never judged here).
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));

        var exitCode = await BenchApp.RunAsync(["--quick", "--out", results, "--postgres", server], table, timeout.Token);

        var report = await BenchReport.ReadAsync(results, timeout.Token);
        Assert.True(report.Quick);
        Assert.Equal(BenchApp.Scenarios.Select(s => s.Name), report.Scenarios.Select(s => s.Name));
        foreach (var scenario in BenchApp.Scenarios)
        {
            var result = report.Scenarios.Single(s => s.Name == scenario.Name);
            Assert.True(result.Status == ScenarioStatus.Measured, $"{result.Name}: {result.Status} ({result.Note})");
            Assert.NotEmpty(result.Figures);
            Assert.All(result.Figures, figure =>
            {
                Assert.True(double.IsFinite(figure.Value.Median), $"{result.Name}: '{figure.Name}' has no value");
                Assert.InRange(figure.Value.Rounds, 1, int.MaxValue);
            });

            // The alternating-round rule: figures summarize at least 3 rounds in quick mode.
            Assert.Contains(result.Figures, figure => figure.Value.Rounds >= 3);
            Assert.Contains(result.Title, table.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(0, exitCode);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

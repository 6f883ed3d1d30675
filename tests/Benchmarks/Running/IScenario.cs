using ZlhGrind.Benchmarks.Reporting;

namespace ZlhGrind.Benchmarks.Running;

/// <summary>One scenario of issue 7: measures its variants in alternating rounds and returns figures.</summary>
internal interface IScenario
{
    /// <summary>The short name used by <c>--only</c> and in the JSON.</summary>
    string Name { get; }

    /// <summary>The human title printed in the table.</summary>
    string Title { get; }

    Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken);
}

using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>A scenario whose parts are not built yet: listed in the table as not measured, with why — never with made-up figures.</summary>
internal sealed class NotYetMeasured(string name, string title, string why) : IScenario
{
    public string Name { get; } = name;

    public string Title { get; } = title;

    public Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken) =>
        Task.FromResult(ScenarioResult.NotMeasured(Name, Title, why));
}

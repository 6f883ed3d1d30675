namespace ZlhGrind.Benchmarks.Reporting;

/// <summary>
/// One measured figure: its value over the rounds and, where the issue asks for one, the ratio to what it
/// was measured against (computed round by round, then summarized) and the target with met or missed.
/// </summary>
internal sealed record Figure(
    string Name,
    string Unit,
    Summary Value,
    Summary? Ratio = null,
    string? RatioTo = null,
    string? Target = null,
    bool? Met = null);

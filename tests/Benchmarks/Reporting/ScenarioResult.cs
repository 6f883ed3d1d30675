namespace ZlhGrind.Benchmarks.Reporting;

/// <summary>How a scenario ended.</summary>
internal enum ScenarioStatus
{
    /// <summary>Ran and produced figures.</summary>
    Measured = 0,

    /// <summary>Could not run here (a part it needs is missing); the note says what.</summary>
    NotMeasured = 1,

    /// <summary>Started and failed; the note carries the error.</summary>
    Failed = 2,
}

/// <summary>One scenario's outcome; <see cref="Note"/> says what was scaled down or why nothing was measured.</summary>
internal sealed record ScenarioResult(
    string Name,
    string Title,
    ScenarioStatus Status,
    IReadOnlyList<Figure> Figures,
    string? Note,
    double Seconds)
{
    public static ScenarioResult NotMeasured(string name, string title, string why) =>
        new(name, title, ScenarioStatus.NotMeasured, [], why, 0);
}

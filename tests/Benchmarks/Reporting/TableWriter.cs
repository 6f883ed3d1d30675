using System.Globalization;
using System.Text;

namespace ZlhGrind.Benchmarks.Reporting;

/// <summary>Prints the report as one Markdown table (readable in a terminal, pasteable into the README).</summary>
internal static class TableWriter
{
    private static readonly string[] Header = ["Scenario", "Figure", "Median (min–max)", "Ratio (min–max)", "Target", "Met"];

    public static string Render(BenchReport report)
    {
        var rows = new List<string[]>();
        foreach (var scenario in report.Scenarios)
        {
            if (scenario.Figures.Count == 0)
            {
                rows.Add([scenario.Title, scenario.Status == ScenarioStatus.Failed ? "failed" : "not measured", "—", "—", "—", "—"]);
                continue;
            }

            var first = true;
            foreach (var figure in scenario.Figures)
            {
                rows.Add([
                    first ? scenario.Title : "",
                    figure.Name,
                    $"{Format(figure.Value)} {figure.Unit}".TrimEnd(),
                    figure.Ratio is { } ratio ? $"{Format(ratio)}× {figure.RatioTo}".TrimEnd() : "—",
                    figure.Target ?? "—",
                    figure.Met switch { true => "met", false => "missed", null => "—" },
                ]);
                first = false;
            }
        }

        var text = new StringBuilder();
        text.AppendLine(Row(Header));
        text.AppendLine(Row(Header.Select(_ => "---").ToArray()));
        foreach (var row in rows)
        {
            text.AppendLine(Row(row));
        }

        var notes = report.Scenarios.Where(s => s.Note is not null).ToList();
        if (notes.Count > 0)
        {
            text.AppendLine();
            foreach (var scenario in notes)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {scenario.Title}: {scenario.Note}");
            }
        }

        return text.ToString();
    }

    private static string Row(string[] cells) => "| " + string.Join(" | ", cells.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |";

    private static string Format(Summary summary) =>
        summary.Min.Equals(summary.Max)
            ? Number(summary.Median)
            : $"{Number(summary.Median)} ({Number(summary.Min)}–{Number(summary.Max)})";

    private static string Number(double value) => Math.Abs(value) switch
    {
        >= 1000 => value.ToString("#,0", CultureInfo.InvariantCulture),
        >= 100 => value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.#", CultureInfo.InvariantCulture),
        >= 1 => value.ToString("0.##", CultureInfo.InvariantCulture),
        0 => "0",
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };
}

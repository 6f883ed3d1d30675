namespace ZlhGrind.Benchmarks.Reporting;

/// <summary>Median with min–max over the rounds of one figure.</summary>
internal sealed record Summary(double Median, double Min, double Max, int Rounds)
{
    public static Summary Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("a figure needs at least one round", nameof(values));
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Summary(median, sorted[0], sorted[^1], sorted.Length);
    }
}

namespace ZlhGrind.Benchmarks.Running;

/// <summary>
/// Measures variants A B C A B C … so slow drift on a shared machine (other builds, thermal limits)
/// falls on every variant alike instead of on whichever ran last.
/// </summary>
internal static class AlternatingRounds
{
    public static async Task<IReadOnlyDictionary<string, List<T>>> RunAsync<T>(
        int rounds,
        IReadOnlyList<(string Variant, Func<int, CancellationToken, Task<T>> Measure)> variants,
        Action<int, string, T> onMeasured,
        CancellationToken cancellationToken)
    {
        var results = variants.ToDictionary(v => v.Variant, _ => new List<T>(rounds), StringComparer.Ordinal);
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (variant, measure) in variants)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = await measure(round, cancellationToken);
                results[variant].Add(result);
                onMeasured(round, variant, result);
            }
        }

        return results;
    }
}

using ZlhGrind.Benchmarks.Measuring;
using ZlhGrind.Benchmarks.Reporting;

namespace ZlhGrind.Benchmarks.FileTransfer;

/// <summary>
/// Where a transfer through the cluster spends its time: the CPU each relaying process (gateway, silo, agent) uses per
/// MiB, read from /proc around every transfer, beside the wall time per MiB. CPU well below the wall time (on two
/// cores) means the bytes wait on round trips and scheduling; CPU near it means they wait on work per byte.
/// </summary>
internal sealed class RelayCpuProfile(params (string Name, ProcessSampler Sampler)[] processes)
{
    private const double MiB = 1024 * 1024;

    private readonly Dictionary<(string Direction, string Process), List<double>> _cpuMsPerMiB = [];
    private readonly Dictionary<string, List<double>> _wallMsPerMiB = [];

    /// <summary>Runs one transfer of <paramref name="bytes"/>, records its CPU and wall time per MiB, and returns its rate in MiB/s.</summary>
    public async Task<double> RateAsync(string direction, long bytes, Func<Task> transfer)
    {
        var before = processes.Select(p => p.Sampler.CpuTime()).ToArray();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await transfer();
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var mib = bytes / MiB;
        for (var i = 0; i < processes.Length; i++)
        {
            Add(_cpuMsPerMiB, (direction, processes[i].Name), (processes[i].Sampler.CpuTime() - before[i]).TotalMilliseconds / mib);
        }

        Add(_wallMsPerMiB, direction, wall.TotalMilliseconds / mib);
        return mib / wall.TotalSeconds;
    }

    /// <summary>One figure per direction and process (CPU ms per MiB), and the wall ms per MiB of each direction.</summary>
    public IEnumerable<Figure> Figures()
    {
        foreach (var (direction, wall) in _wallMsPerMiB)
        {
            yield return new Figure($"{direction}: wall time per MiB", "ms", Summary.Of(wall));
            foreach (var (name, _) in processes)
            {
                yield return new Figure($"{direction}: {name} CPU per MiB", "ms", Summary.Of(_cpuMsPerMiB[(direction, name)]));
            }
        }
    }

    private static void Add<TKey>(Dictionary<TKey, List<double>> values, TKey key, double value)
        where TKey : notnull
    {
        if (!values.TryGetValue(key, out var list))
        {
            values[key] = list = [];
        }

        list.Add(value);
    }
}

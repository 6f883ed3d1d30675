using ZlhGrind.Benchmarks.Reporting;

namespace ZlhGrind.Benchmarks.Measuring;

/// <summary>
/// A silo's resident memory once garbage is gone: a full collection in the silo (Orleans' management grain, called as
/// a gateway), a short settle, then the median of a few /proc samples. Without the collection a few thousand objects
/// are lost in the garbage of the last rounds, and the growth divided by them says nothing.
/// </summary>
internal static class SettledMemory
{
    private const int Samples = 5;
    private static readonly TimeSpan SampleSpacing = TimeSpan.FromMilliseconds(100);

    /// <summary>The silo's RSS in bytes after a full collection and <paramref name="settle"/>.</summary>
    public static async Task<double> RssAfterCollectionAsync(IClusterClient client, string serviceKey, ProcessSampler silo, TimeSpan settle, CancellationToken cancellationToken)
    {
        var management = client.GetGrain<IManagementGrain>(0);
        CallAs.GatewayWithKey(serviceKey);
        var hosts = await management.GetHosts(onlyActive: true, cancellationToken);
        CallAs.GatewayWithKey(serviceKey);
        await management.ForceGarbageCollection([.. hosts.Keys], cancellationToken);
        await Task.Delay(settle, cancellationToken);
        return await RssAsync(silo, cancellationToken);
    }

    /// <summary>The median of a few RSS samples of <paramref name="process"/>, in bytes.</summary>
    public static async Task<double> RssAsync(ProcessSampler process, CancellationToken cancellationToken)
    {
        var samples = new List<double>();
        for (var i = 0; i < Samples; i++)
        {
            samples.Add(process.RssBytes());
            await Task.Delay(SampleSpacing, cancellationToken);
        }

        return Summary.Of(samples).Median;
    }
}

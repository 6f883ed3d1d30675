using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Silo.Grains.Registry;

/// <summary>The registry's list of the buckets in use (key = <see cref="IContainerRegistryGrain.Key"/>), kept by the buckets. Silo-internal.</summary>
[Alias("zlh.IContainerBucketList")]
public interface IContainerBucketList : IGrainWithIntegerKey
{
    /// <summary>Adds a bucket that got its first entry (a no-op when listed already).</summary>
    [Alias("AddBucket"), Accepts(CallerKind.Internal)]
    Task AddBucketAsync(long bucket);
}

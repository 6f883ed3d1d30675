using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Silo.Grains.Registry;

/// <summary>Which buckets hold an owner's containers (key = owner id). Silo-internal.</summary>
[Alias("zlh.IOwnerIndexGrain")]
public interface IOwnerIndexGrain : IGrainWithStringKey
{
    [Alias("AddBucket"), Accepts(CallerKind.Internal)]
    Task AddBucketAsync(long bucket);

    [Alias("RemoveBucket"), Accepts(CallerKind.Internal)]
    Task RemoveBucketAsync(long bucket);

    [Alias("GetBuckets"), Accepts(CallerKind.Internal)]
    ValueTask<long[]> GetBucketsAsync();
}

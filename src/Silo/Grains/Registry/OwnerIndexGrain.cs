using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Grains.Registry;

/// <summary>Remembers which buckets hold an owner's containers.</summary>
internal sealed class OwnerIndexGrain(
    [PersistentState("owner", StorageNames.Containers)] IPersistentState<OwnerIndexRecord> record)
    : Grain, IOwnerIndexGrain
{
    public async Task AddBucketAsync(long bucket)
    {
        if (record.State.Buckets.Add(bucket))
        {
            await record.WriteStateAsync();
        }
    }

    public async Task RemoveBucketAsync(long bucket)
    {
        if (record.State.Buckets.Remove(bucket))
        {
            await record.WriteStateAsync();
        }
    }

    public ValueTask<long[]> GetBucketsAsync() => ValueTask.FromResult(record.State.Buckets.ToArray());
}

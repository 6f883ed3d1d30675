namespace ZlhGrind.Silo.Grains.Registry;

/// <summary>The stored bucket numbers that hold an owner's containers.</summary>
[GenerateSerializer]
internal sealed class OwnerIndexRecord
{
    [Id(0)]
    public SortedSet<long> Buckets { get; set; } = [];
}

using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Silo.Grains.Registry;

/// <summary>The stored entries of one index bucket, by container id.</summary>
[GenerateSerializer]
internal sealed class BucketRecord
{
    [Id(0)]
    public Dictionary<long, ContainerSummary> Containers { get; set; } = [];
}

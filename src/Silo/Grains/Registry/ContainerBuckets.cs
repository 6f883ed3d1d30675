namespace ZlhGrind.Silo.Grains.Registry;

/// <summary>How ids map to index buckets.</summary>
internal static class ContainerBuckets
{
    /// <summary>Ids per bucket: a claim rewrites at most this many entries.</summary>
    public const long Size = 1024;

    public static long Of(long containerId) => containerId / Size;
}

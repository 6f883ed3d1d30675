namespace ZlhGrind.Silo.Storage;

/// <summary>Names of the grain storage providers.</summary>
internal static class StorageNames
{
    /// <summary>Container, registry and catalog grains.</summary>
    public const string Containers = "zlh";

    /// <summary>Stream subscriptions (the name Orleans streaming looks for).</summary>
    public const string PubSub = "PubSubStore";
}

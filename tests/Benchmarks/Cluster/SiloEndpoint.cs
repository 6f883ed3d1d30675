namespace ZlhGrind.Benchmarks.Cluster;

/// <summary>The ports of one silo process the benchmark started.</summary>
internal sealed record SiloEndpoint(int SiloPort, int GatewayPort, int HttpPort)
{
    public static SiloEndpoint Allocate() => new(FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
}

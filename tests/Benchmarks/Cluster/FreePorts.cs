using System.Net;
using System.Net.Sockets;

namespace ZlhGrind.Benchmarks.Cluster;

/// <summary>Loopback ports nobody listens on right now.</summary>
internal static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Net;
using System.Net.Sockets;

namespace ZlhGrind.Testing;

/// <summary>Loopback ports for tests: one to listen on, and an endpoint nothing listens on.</summary>
public static class FreePorts
{
    /// <summary>A loopback port nobody listened on a moment ago.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>"127.0.0.1:port" for a port that was just free: nothing listens there once the listener is gone.</summary>
    public static string ClosedEndpoint() => "127.0.0.1:" + Next();
}

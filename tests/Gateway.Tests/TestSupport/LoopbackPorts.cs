using System.Net;
using System.Net.Sockets;

namespace ZlhGrind.Gateway.Tests.TestSupport;

/// <summary>Loopback ports for tests: one to listen on, and an endpoint nothing listens on.</summary>
public static class LoopbackPorts
{
    /// <summary>A port that was free a moment ago.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>"127.0.0.1:port" for a port that was just free: nothing listens there once the listener is gone.</summary>
    public static string ClosedEndpoint() => "127.0.0.1:" + Free();
}

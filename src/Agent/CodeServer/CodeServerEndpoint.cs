using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>Where the IDE is reachable (ip:port for the gateway) and where the agent probes it.</summary>
internal static class CodeServerEndpoint
{
    /// <summary>The advertised address, else the bind address, else (binding all) the first non-loopback IPv4 of the container.</summary>
    public static string AdvertisedHost(CodeServerOptions options)
    {
        if (options.AdvertiseAddress is { } advertised)
        {
            return advertised;
        }

        var bind = IPAddress.Parse(options.BindAddress);
        return bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any) ? FirstExternalIPv4() ?? "127.0.0.1" : options.BindAddress;
    }

    /// <summary>ip:port, with an IPv6 address in brackets.</summary>
    public static string Format(string host, int port)
    {
        var ip = IPAddress.Parse(host);
        return ip.AddressFamily == AddressFamily.InterNetworkV6
            ? string.Create(CultureInfo.InvariantCulture, $"[{ip}]:{port}")
            : string.Create(CultureInfo.InvariantCulture, $"{ip}:{port}");
    }

    /// <summary>The address the agent connects to when checking that code-server answers.</summary>
    public static IPAddress Probe(CodeServerOptions options)
    {
        var bind = IPAddress.Parse(options.BindAddress);
        if (bind.Equals(IPAddress.Any))
        {
            return IPAddress.Loopback;
        }

        return bind.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : bind;
    }

    private static string? FirstExternalIPv4() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.OperationalStatus == OperationalStatus.Up && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(ip => ip.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(ip))
            ?.ToString();
}

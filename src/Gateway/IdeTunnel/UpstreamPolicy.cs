using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// Where the tunnel may connect. The address comes from the platform (an operator set it on the container), the port
/// is <see cref="IdeTunnelOptions.UpstreamPort"/> unless that address names one. Even so the gateway refuses loopback,
/// link-local, multicast, unspecified and broadcast addresses and the control plane's own ports, and, when
/// <see cref="IdeTunnelOptions.AllowedUpstreamNetworks"/> is set, anything outside it — unless an entry of
/// <see cref="IdeTunnelOptions.ExplicitUpstreams"/> names the destination (the local stack's IDE on 127.0.0.1).
/// </summary>
internal sealed class UpstreamPolicy
{
    private static readonly System.Net.IPNetwork[] Special =
    [
        System.Net.IPNetwork.Parse("0.0.0.0/8"),
        System.Net.IPNetwork.Parse("127.0.0.0/8"),
        System.Net.IPNetwork.Parse("169.254.0.0/16"),
        System.Net.IPNetwork.Parse("224.0.0.0/4"),
        System.Net.IPNetwork.Parse("255.255.255.255/32"),
        System.Net.IPNetwork.Parse("::/128"),
        System.Net.IPNetwork.Parse("::1/128"),
        System.Net.IPNetwork.Parse("fe80::/10"),
        System.Net.IPNetwork.Parse("ff00::/8"),
    ];

    private readonly System.Net.IPNetwork[] _allowed;
    private readonly (System.Net.IPNetwork Network, int Port)[] _explicit;
    private readonly HashSet<int> _refusedPorts;
    private readonly int _defaultPort;
    private readonly System.Net.IPNetwork? _containerNetwork;

    public UpstreamPolicy(IOptions<IdeTunnelOptions> options)
    {
        var settings = options.Value;
        _defaultPort = settings.UpstreamPort;
        _allowed = [.. settings.AllowedUpstreamNetworks.Select(n => System.Net.IPNetwork.Parse(n))];
        _explicit = [.. settings.ExplicitUpstreams.Select(e => IdeTunnelOptions.TryParseExplicit(e, out var entry) ? entry : throw new OptionsValidationException(IdeTunnelOptions.SectionName, typeof(IdeTunnelOptions), ["IdeTunnel:ExplicitUpstreams: " + e]))];
        _refusedPorts = [.. settings.EffectiveRefusedUpstreamPorts];
        _containerNetwork = string.IsNullOrEmpty(settings.ContainerNetwork) ? null : System.Net.IPNetwork.Parse(settings.ContainerNetwork);
    }

    /// <summary>
    /// The address <see cref="IdeTunnelOptions.ContainerNetwork"/> gives container <paramref name="containerId"/>
    /// (the network's base address plus the id), or null when no network is configured or the id does not fit in it.
    /// </summary>
    public string? FromContainerNetwork(long containerId)
    {
        if (_containerNetwork is not { } network)
        {
            return null;
        }

        var bytes = network.BaseAddress.GetAddressBytes();
        var hostBits = (bytes.Length * 8) - network.PrefixLength;
        if (hostBits < 63 && containerId >= 1L << hostBits)
        {
            return null;
        }

        var carry = containerId;
        for (var i = bytes.Length - 1; i >= 0 && carry > 0; i--)
        {
            var sum = bytes[i] + (carry & 0xFF);
            bytes[i] = (byte)sum;
            carry = (carry >> 8) + (sum >> 8);
        }

        return new IPAddress(bytes).ToString();
    }

    /// <summary>The destination ("http://ip:port") for the platform's <paramref name="address"/> of a container, or why not.</summary>
    public UpstreamVerdict Check(string? address, out string? destination)
    {
        destination = null;
        if (address is null)
        {
            return UpstreamVerdict.Unknown;
        }

        if (!IPEndPoint.TryParse(address, out var endpoint))
        {
            return UpstreamVerdict.Refused;
        }

        var ip = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
        var port = endpoint.Port == 0 ? _defaultPort : endpoint.Port;
        if (!IsExplicit(ip, port) && (IsSpecial(ip) || _refusedPorts.Contains(port) || !IsInAllowedNetworks(ip)))
        {
            return UpstreamVerdict.Refused;
        }

        var host = ip.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + ip + "]" : ip.ToString();
        destination = "http://" + host + ":" + port.ToString(CultureInfo.InvariantCulture);
        return UpstreamVerdict.Allowed;
    }

    private static bool IsSpecial(IPAddress ip)
    {
        foreach (var network in Special)
        {
            if (network.Contains(ip))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsExplicit(IPAddress ip, int port)
    {
        foreach (var (network, allowedPort) in _explicit)
        {
            if (network.Contains(ip) && (allowedPort == 0 || allowedPort == port))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsInAllowedNetworks(IPAddress ip)
    {
        if (_allowed.Length == 0)
        {
            return true;
        }

        foreach (var network in _allowed)
        {
            if (network.Contains(ip))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>What <see cref="UpstreamPolicy.Check"/> decided.</summary>
internal enum UpstreamVerdict
{
    Allowed,

    /// <summary>The platform does not know the container's address yet.</summary>
    Unknown,

    /// <summary>The address is one the gateway never connects to without explicit configuration.</summary>
    Refused,
}

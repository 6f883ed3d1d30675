using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// Checks the IDE endpoint an agent reported before the gateway connects to it: an IP literal and port, inside the
/// allowed networks when any are configured (an agent runs in a container whose user may be hostile).
/// </summary>
internal sealed class UpstreamPolicy
{
    private readonly System.Net.IPNetwork[] _allowed;

    public UpstreamPolicy(IOptions<IdeTunnelOptions> options)
    {
        var networks = options.Value.AllowedUpstreamNetworks;
        _allowed = new System.Net.IPNetwork[networks.Count];
        for (var i = 0; i < networks.Count; i++)
        {
            _allowed[i] = System.Net.IPNetwork.Parse(networks[i]);
        }
    }

    public bool TryGetDestination(string? upstream, out string? destination)
    {
        destination = null;
        if (upstream is null || !IPEndPoint.TryParse(upstream, out var endpoint) || endpoint.Port == 0 || !IsAllowed(endpoint.Address))
        {
            return false;
        }

        var host = endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6
            ? "[" + endpoint.Address.ToString() + "]"
            : endpoint.Address.ToString();
        destination = "http://" + host + ":" + endpoint.Port.ToString(CultureInfo.InvariantCulture);
        return true;
    }

    private bool IsAllowed(IPAddress address)
    {
        if (_allowed.Length == 0)
        {
            return true;
        }

        foreach (var network in _allowed)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}

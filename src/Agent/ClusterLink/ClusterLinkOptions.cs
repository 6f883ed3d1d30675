using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ZlhGrind.Agent.ClusterLink;

/// <summary>How the agent reaches the cluster and how often it speaks (section <c>Agent:Cluster</c>).</summary>
internal sealed class ClusterLinkOptions
{
    public const string SectionName = "Agent:Cluster";

    /// <summary>TLS to the silos: the same keys as a gateway's <c>Cluster:Tls</c>, under the agent's section.</summary>
    public const string TlsSection = SectionName + ":Tls";

    /// <summary>Silo client gateways as <c>host:port</c> (e.g. <c>127.0.0.1:30000</c>).</summary>
    public IList<string> Gateways { get; } = [];

    public string ClusterId { get; set; } = "zlhgrind";

    public string ServiceId { get; set; } = "zlhgrind";

    /// <summary>Heartbeat cadence until the grain says otherwise on connect.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the observer is registered again, in case the grain was re-activated and forgot it.</summary>
    public TimeSpan ResubscribeInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>First delay between connection attempts; it doubles up to <see cref="ConnectRetryMaxDelay"/>.</summary>
    public TimeSpan ConnectRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ConnectRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a call to the cluster may take before it counts as failed.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Parses one gateway entry; names are resolved (IPv4 first). Returns null and a reason when it is unusable.</summary>
    public static IPEndPoint? TryParseGateway(string text, out string? problem)
    {
        problem = null;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            problem = "is not host:port";
            return null;
        }

        var host = text[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        try
        {
            var addresses = Dns.GetHostAddresses(host);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            if (chosen is null)
            {
                problem = $"host '{host}' has no address";
                return null;
            }

            return new IPEndPoint(chosen, port);
        }
        catch (SocketException ex)
        {
            problem = $"host '{host}' cannot be resolved ({ex.SocketErrorCode})";
            return null;
        }
    }

    /// <summary>The gateways as Orleans gateway URIs; unusable entries are left out (validation reports them).</summary>
    public List<Uri> GatewayUris() =>
        [.. Gateways.Select(g => TryParseGateway(g, out _)).OfType<IPEndPoint>()
            .Select(e => new Uri($"gwy.tcp://{e.Address}:{e.Port.ToString(CultureInfo.InvariantCulture)}/0"))];
}

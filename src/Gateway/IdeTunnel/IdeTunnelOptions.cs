namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>The <c>IdeTunnel</c> section: the <c>/__ide/{id}</c> tunnel's cache, timeouts and upstream rules.</summary>
public sealed class IdeTunnelOptions
{
    public const string SectionName = "IdeTunnel";

    /// <summary>How long a session lookup is trusted; also the longest a revocation takes to bite (DESIGN §6: at most 5 s).</summary>
    public TimeSpan SessionCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the gateway asks the cluster's session feed which containers changed. While the feed answers, a
    /// cached lookup is kept past <see cref="SessionCacheTtl"/> (a revocation then bites within one poll); when it
    /// stops answering for a TTL, lookups fall back to the TTL. Zero turns the feed off: the TTL alone rules.
    /// </summary>
    public TimeSpan SessionFeedPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest a lookup is kept on the feed's word. Revocations always reach the feed; other changes (state,
    /// code-server) reach it on a best-effort basis, so this bounds how long a missed one can show.
    /// </summary>
    public TimeSpan FeedTrustedSessionMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Upper bound on cached session lookups, so random cookies cannot grow memory without limit.</summary>
    public int MaxCachedSessions { get; set; } = 250_000;

    /// <summary>How long to wait for the IDE's TCP connect before answering 502.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a proxied request or WebSocket may sit idle before it is cut.</summary>
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long an idle pooled upstream connection is kept.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Largest request body the tunnel forwards (uploads into the IDE).</summary>
    public long MaxRequestBodyBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// The separate IDE origin, a host name with <c>{id}</c> in it (<c>{id}.ide.example.com</c>): each container's IDE
    /// is served at the root of its own host, its session cookie is set on that host only, and <c>/__ide</c> on the
    /// portal's host is off. Empty (the default) is path mode: <c>/__ide/{id}/</c> on the portal's origin.
    /// </summary>
    public string? Host { get; set; }

    /// <summary>
    /// A CIDR whose base address plus the container id is each container's address (10.10.0.0/16: container 1002 is
    /// 10.10.3.234), for platforms that number addresses by vmid. Used only where no operator set an address.
    /// </summary>
    public string? ContainerNetwork { get; set; }

    /// <summary>The IDE's port on the container's address, unless the operator-set address names one.</summary>
    public int UpstreamPort { get; set; } = 8080;

    /// <summary>
    /// Networks (CIDR) the container addresses must lie in (the container network). Empty allows any address the
    /// built-in rules do not refuse. Set this in production.
    /// </summary>
    public List<string> AllowedUpstreamNetworks { get; set; } = [];

    /// <summary>
    /// Destinations allowed although the built-in rules refuse them: "ip:port" (one endpoint) or a CIDR (any port).
    /// The local stack names its IDE on 127.0.0.1 here.
    /// </summary>
    public List<string> ExplicitUpstreams { get; set; } = [];

    /// <summary>
    /// Ports the tunnel never connects to without an explicit entry: the control plane's own (silo 11111, cluster
    /// gateway 30000, dashboard 8081, PostgreSQL 5432, gateway 8000). Null means these defaults.
    /// </summary>
    public List<int>? RefusedUpstreamPorts { get; set; }

    /// <summary>How long an answer that opens nothing (unknown container, unknown or revoked session) is remembered.</summary>
    public TimeSpan NegativeCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound on remembered negative answers.</summary>
    public int MaxNegativeCachedSessions { get; set; } = 10_000;

    /// <summary>Session lookups that reach the cluster (cache misses) one client address may cause per window.</summary>
    public int LookupPermitLimit { get; set; } = 60;

    /// <summary>The window of <see cref="LookupPermitLimit"/>.</summary>
    public TimeSpan LookupWindow { get; set; } = TimeSpan.FromMinutes(1);

    internal static readonly int[] DefaultRefusedUpstreamPorts = [11111, 30000, 8081, 5432, 8000];

    internal IReadOnlyList<int> EffectiveRefusedUpstreamPorts => RefusedUpstreamPorts ?? [.. DefaultRefusedUpstreamPorts];

    /// <summary>Parses an <see cref="ExplicitUpstreams"/> entry; port 0 stands for any port.</summary>
    internal static bool TryParseExplicit(string entry, out (System.Net.IPNetwork Network, int Port) parsed)
    {
        parsed = default;
        if (entry.Contains('/', StringComparison.Ordinal))
        {
            if (!System.Net.IPNetwork.TryParse(entry, out var network))
            {
                return false;
            }

            parsed = (network, 0);
            return true;
        }

        if (!System.Net.IPEndPoint.TryParse(entry, out var endpoint) || endpoint.Port == 0)
        {
            return false;
        }

        parsed = (new System.Net.IPNetwork(endpoint.Address, endpoint.Address.GetAddressBytes().Length * 8), endpoint.Port);
        return true;
    }
}

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>The <c>IdeTunnel</c> section: the <c>/__ide/{id}</c> tunnel's cache, timeouts and upstream rules.</summary>
public sealed class IdeTunnelOptions
{
    public const string Section = "IdeTunnel";

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
    /// Networks (CIDR) an agent-reported IDE endpoint must lie in. Empty allows any IP address; a host name is never
    /// accepted. Set this in production so a hostile agent cannot point the gateway at internal services.
    /// </summary>
    public List<string> AllowedUpstreamNetworks { get; set; } = [];

    internal bool IsValid()
    {
        if (SessionCacheTtl <= TimeSpan.Zero || SessionCacheTtl > TimeSpan.FromSeconds(5))
        {
            return false;
        }

        if (SessionFeedPollInterval < TimeSpan.Zero || SessionFeedPollInterval >= SessionCacheTtl || FeedTrustedSessionMaxAge < SessionCacheTtl)
        {
            return false;
        }

        if (MaxCachedSessions <= 0 || ConnectTimeout <= TimeSpan.Zero || ActivityTimeout <= TimeSpan.Zero
            || PooledConnectionIdleTimeout <= TimeSpan.Zero || MaxRequestBodyBytes <= 0)
        {
            return false;
        }

        foreach (var network in AllowedUpstreamNetworks)
        {
            if (!System.Net.IPNetwork.TryParse(network, out _))
            {
                return false;
            }
        }

        return true;
    }
}

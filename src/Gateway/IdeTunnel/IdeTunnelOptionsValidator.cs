using System.Net;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>Checks the <c>IdeTunnel</c> section at start.</summary>
internal sealed class IdeTunnelOptionsValidator() : SectionValidator<IdeTunnelOptions>(IdeTunnelOptions.SectionName, static (options, failures) => failures
    .Require(options.SessionCacheTtl > TimeSpan.Zero && options.SessionCacheTtl <= MaxSessionCacheTtl, nameof(options.SessionCacheTtl), $"must be above 0 and at most {MaxSessionCacheTtl:c} (got {options.SessionCacheTtl:c}).")
    .Require(options.SessionFeedPollInterval >= TimeSpan.Zero && options.SessionFeedPollInterval < options.SessionCacheTtl, nameof(options.SessionFeedPollInterval), $"must be at least 0 and below SessionCacheTtl {options.SessionCacheTtl:c} (got {options.SessionFeedPollInterval:c}).")
    .Require(options.FeedTrustedSessionMaxAge >= options.SessionCacheTtl, nameof(options.FeedTrustedSessionMaxAge), $"must be at least SessionCacheTtl {options.SessionCacheTtl:c} (got {options.FeedTrustedSessionMaxAge:c}).")
    .Positive(nameof(options.MaxCachedSessions), options.MaxCachedSessions)
    .Positive(nameof(options.ConnectTimeout), options.ConnectTimeout)
    .Positive(nameof(options.ActivityTimeout), options.ActivityTimeout)
    .Positive(nameof(options.PooledConnectionIdleTimeout), options.PooledConnectionIdleTimeout)
    .Positive(nameof(options.MaxRequestBodyBytes), options.MaxRequestBodyBytes)
    .Port(nameof(options.UpstreamPort), options.UpstreamPort)
    .Positive(nameof(options.NegativeCacheTtl), options.NegativeCacheTtl)
    .Positive(nameof(options.MaxNegativeCachedSessions), options.MaxNegativeCachedSessions)
    .Positive(nameof(options.LookupPermitLimit), options.LookupPermitLimit)
    .Positive(nameof(options.LookupWindow), options.LookupWindow)
    .Require(string.IsNullOrEmpty(options.ContainerNetwork) || IPNetwork.TryParse(options.ContainerNetwork, out _), nameof(options.ContainerNetwork), $"must be a CIDR network (got '{options.ContainerNetwork}').")
    .Require(IdeHostPattern.IsValid(options.Host), nameof(options.Host), $"must be a host name with one {{id}} in it, like {{id}}.ide.example.com (got '{options.Host}').")
    .Each(nameof(options.AllowedUpstreamNetworks), options.AllowedUpstreamNetworks, static n => IPNetwork.TryParse(n, out _), "a CIDR network")
    .Each(nameof(options.ExplicitUpstreams), options.ExplicitUpstreams, static e => IdeTunnelOptions.TryParseExplicit(e, out _), "ip:port or a CIDR network")
    .Each(nameof(options.RefusedUpstreamPorts), options.EffectiveRefusedUpstreamPorts, static p => p is > 0 and <= 65535, "a port from 1 to 65535"))
{
    /// <summary>DESIGN §6: a revocation bites within 5 s.</summary>
    private static readonly TimeSpan MaxSessionCacheTtl = TimeSpan.FromSeconds(5);
}

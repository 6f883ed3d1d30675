using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// Caps the session lookups (cache misses) one client address can cause per <see cref="IdeTunnelOptions.LookupWindow"/>,
/// so random cookies and unknown ids cannot turn into a grain call each. Requests answered from the cache never count,
/// so an open IDE is never slowed by a flood from its own address.
/// </summary>
internal sealed class IdeLookupLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public IdeLookupLimiter(IOptions<IdeTunnelOptions> options)
    {
        var settings = options.Value;
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = settings.LookupPermitLimit,
            Window = settings.LookupWindow,
            QueueLimit = 0,
        }));
    }

    /// <summary>True when <paramref name="http"/>'s client may cause one more lookup now.</summary>
    public bool TryAcquire(HttpContext http, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(http.Connection.RemoteIpAddress?.ToString() ?? "");
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.Zero;
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}

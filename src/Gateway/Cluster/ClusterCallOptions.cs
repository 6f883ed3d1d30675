namespace ZlhGrind.Gateway.Cluster;

/// <summary>
/// How the gateway's grain calls behave when the cluster is slow or gone (keys of the <c>Cluster</c> section, kept
/// apart from the connection settings): a call gives up after <see cref="CallTimeout"/> and the API answers 503.
/// </summary>
public sealed class ClusterCallOptions
{
    public const string SectionName = "Cluster";

    /// <summary>How long one grain call may take before the request answers 503 (Orleans' own default is 30 s).</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>Retry-After</c> of a 503 while the cluster is out of reach.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>While the cluster stays out of reach, one warning per this period counts the calls that failed.</summary>
    public TimeSpan OutageSummaryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary><see cref="RetryAfter"/> as the header's whole seconds.</summary>
    internal string RetryAfterHeader => ((int)Math.Ceiling(RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

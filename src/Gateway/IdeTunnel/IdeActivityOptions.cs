namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>The <c>IdeActivity</c> section: how the tunnel reports IDE use to the dev container grains (idle culling).</summary>
public sealed class IdeActivityOptions
{
    public const string SectionName = "IdeActivity";

    /// <summary>A container's activity reaches its grain at most once per this interval from this gateway.</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often pending activity is looked at: the first activity after a quiet spell reaches the grain within this.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Client-to-IDE WebSocket data frames with at most this many payload bytes are keepalives, not activity. 13 is
    /// the header of VS Code's remote protocol: its KeepAlive and Ack messages carry nothing else.
    /// </summary>
    public int KeepaliveMaxFrameBytes { get; set; } = 13;
}

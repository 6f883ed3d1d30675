using System.Diagnostics.Metrics;

namespace ZlhGrind.Gateway.Hosting;

/// <summary>The gateway's own instruments (meter <c>ZlhGrind.Gateway</c>): open live-event streams and failed IDE forwards.</summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "ZlhGrind.Gateway";

    public GatewayMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        OpenEventStreams = meter.CreateUpDownCounter<long>("zlh.gateway.events.open_streams", description: "Live event streams currently subscribed to a container.");
        TunnelErrors = meter.CreateCounter<long>("zlh.gateway.ide.forward_errors", description: "IDE requests the upstream did not serve (502).");
    }

    public UpDownCounter<long> OpenEventStreams { get; }

    public Counter<long> TunnelErrors { get; }
}

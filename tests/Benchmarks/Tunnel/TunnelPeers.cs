namespace ZlhGrind.Benchmarks.Tunnel;

/// <summary>How the tunnel scenarios name the peers they could (or could not) measure.</summary>
internal static class TunnelPeers
{
    public static string Note(bool hasProxy, bool hasNginx) => string.Join("; ", new[]
    {
        hasProxy ? "configurable-http-proxy from the npm registry (installed by ./zlh bench)" : "configurable-http-proxy not installed (./zlh bench installs it): that comparison is not measured",
        hasNginx ? "nginx from the Debian package (its master and one worker per core; CPU counts the workers)" : "nginx not found (./zlh bench unpacks the Debian package): that comparison is not measured",
    });
}

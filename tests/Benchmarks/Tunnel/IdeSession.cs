namespace ZlhGrind.Benchmarks.Tunnel;

/// <summary>A dev container whose IDE is reachable through the gateway, and the session cookie that opens it.</summary>
internal sealed record IdeSession(long ContainerId, string SessionId)
{
    public string Cookie => "zlh_ide=" + SessionId;

    public string Path => $"/__ide/{ContainerId}/";
}

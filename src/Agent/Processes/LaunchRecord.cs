using System.Text.Json;

namespace ZlhGrind.Agent.Processes;

/// <summary>
/// What the agent writes next to a running server so that a restarted agent can reattach: both
/// processes' identities, when the server started (by the agent's clock) and whether a stop was requested.
/// </summary>
internal sealed record LaunchRecord(
    Guid LaunchId,
    ProcessIdentity Shim,
    ProcessIdentity Server,
    DateTimeOffset StartedAt,
    bool StopRequested)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, IncludeFields = true };

    public static LaunchRecord? TryLoad(string path) => AtomicFile.TryReadJson<LaunchRecord>(path, Json);

    public void Save(string path) => AtomicFile.WriteJson(path, this, Json);
}

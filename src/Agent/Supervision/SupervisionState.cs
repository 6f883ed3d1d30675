using System.Text.Json;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Supervision;

/// <summary>
/// What supervision must remember across agent restarts (written on every transition): the state,
/// the crash counter, a pending restart and the spec to start with — so a crash loop is not reset,
/// and a server can be restarted while the cluster is unreachable, by an agent that just started. The generations say which
/// desired spec the spec is, and which one the running server was launched with (an update waits for the next start).
/// </summary>
internal sealed record SupervisionState(
    GameServerState State,
    string? Reason,
    int ConsecutiveCrashes,
    DateTimeOffset? RestartAt,
    GameServerSpec? Spec,
    bool ResumeOnStart = false,
    DateTimeOffset? ReadyAt = null,
    StopReport? LastStop = null,
    long? SpecGeneration = null,
    long? RunningGeneration = null)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static SupervisionState? TryLoad(string path) => AtomicFile.TryReadJson<SupervisionState>(path, Json);

    public void Save(string path) => AtomicFile.WriteJson(path, this, Json);
}

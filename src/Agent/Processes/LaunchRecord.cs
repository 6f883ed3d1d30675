using System.Text.Json;

namespace ZlhGrind.Agent.Processes;

/// <summary>
/// What the agent writes next to a running server so that a restarted agent can reattach: both
/// processes' identities, when the server started (by the agent's clock), whether a stop was requested, and where this
/// run's output begins in <c>console.log</c> (runs append to one log, so the console keeps history across runs), and the
/// server group's OOM-kill count before the launch (a later count above it means the kernel killed this run).
/// </summary>
internal sealed record LaunchRecord(
    Guid LaunchId,
    ProcessIdentity Shim,
    ProcessIdentity Server,
    DateTimeOffset StartedAt,
    bool StopRequested,
    long ConsoleStart = 0,
    long OomKillsBefore = 0)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, IncludeFields = true };

    public static LaunchRecord? TryLoad(string path) => AtomicFile.TryReadJson<LaunchRecord>(path, Json);

    public void Save(string path) => AtomicFile.WriteJson(path, this, Json);
}

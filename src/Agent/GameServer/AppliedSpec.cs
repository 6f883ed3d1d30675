using System.Text.Json;
using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.GameServer;

/// <summary>
/// The last desired generation and power request this container acted on, kept on disk so that a
/// restarted agent does not repeat a restart (or a stop) it already carried out.
/// </summary>
internal sealed record AppliedSpec(long Generation, long PowerRequest)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static AppliedSpec? TryLoad(string path) => AtomicFile.TryReadJson<AppliedSpec>(path, Json);

    public void Save(string path) => AtomicFile.WriteJson(path, this, Json);
}

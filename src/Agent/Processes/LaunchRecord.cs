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

    public static LaunchRecord? TryLoad(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<LaunchRecord>(File.ReadAllText(path), Json);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException)
        {
            // A torn or foreign file is not a launch the agent can trust; the caller treats it as none.
            return null;
        }
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
}

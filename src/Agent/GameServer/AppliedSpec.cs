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

    public static AppliedSpec? TryLoad(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<AppliedSpec>(File.ReadAllText(path), Json);
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
            return null;
        }
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }
}

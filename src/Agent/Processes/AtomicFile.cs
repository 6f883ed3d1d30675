using System.Text.Json;

namespace ZlhGrind.Agent.Processes;

/// <summary>Writes a file so that a reader (or an agent killed mid-write) sees either the old or the new content, never half.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string content)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, content);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Writes <paramref name="value"/> as JSON, atomically, creating the folder.</summary>
    public static void WriteJson<T>(string path, T value, JsonSerializerOptions options)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        WriteAllText(path, JsonSerializer.Serialize(value, options));
    }

    /// <summary>
    /// Reads what <see cref="WriteJson{T}"/> wrote; null when there is none. A torn or foreign file is not
    /// state the agent can trust, so it reads as none too.
    /// </summary>
    public static T? TryReadJson<T>(string path, JsonSerializerOptions options)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), options);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }
}

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
}

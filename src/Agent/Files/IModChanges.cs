namespace ZlhGrind.Agent.Files;

/// <summary>What supervision asks of the mods: which changed since the last clean run (for a crash record), and that a run became ready.</summary>
internal interface IModChanges
{
    /// <summary>The mods changed since the server last became ready.</summary>
    IReadOnlyList<string> ChangedSinceCleanRun();

    /// <summary>The server became ready: earlier changes are part of a clean run now.</summary>
    void MarkCleanRun();
}

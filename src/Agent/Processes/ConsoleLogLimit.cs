namespace ZlhGrind.Agent.Processes;

/// <summary>
/// Keeps the shim's console log bounded: a server that runs for weeks must not fill the disk. Beyond
/// <see cref="MaxBytes"/> the log is copied to <c>console.log.1</c> and truncated in place (the shim
/// appends, so it simply continues at the new end). Checked every <see cref="CheckInterval"/>.
/// </summary>
internal sealed record ConsoleLogLimit(long MaxBytes, TimeSpan CheckInterval)
{
    public static ConsoleLogLimit Default { get; } = new(16 * 1024 * 1024, TimeSpan.FromSeconds(30));

    /// <summary>
    /// Held across a rotation's copy and truncation. The console (same process) numbers and reads the files under it:
    /// between the two steps the copy and the untruncated log hold the same bytes, and a reader would number them twice.
    /// </summary>
    public static Lock RotationGate { get; } = new();

    /// <summary>Rotates once if the log is over the limit; true when it did.</summary>
    public bool Apply(RunDirectory run)
    {
        var log = new FileInfo(run.ConsoleLog);
        if (!log.Exists || log.Length <= MaxBytes)
        {
            return false;
        }

        // Lines written between the copy and the truncation are lost; a rare, bounded loss beats a full disk.
        lock (RotationGate)
        {
            File.Copy(run.ConsoleLog, run.PreviousConsoleLog, overwrite: true);
            using var stream = new FileStream(run.ConsoleLog, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            stream.SetLength(0);
        }

        return true;
    }
}

namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>A throwaway directory under the system temp dir, traversable by other users (the dev user runs from it), deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("zlh-agent-test-").FullName;
        ZlhGrind.Agent.DevEnvironment.UnixFile.SetMode(Path, (UnixFileMode)0b111_101_101);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process a failed test left behind may still hold a file; the temp dir is swept by the OS.
        }
    }
}

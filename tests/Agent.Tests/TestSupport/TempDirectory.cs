using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>A throwaway directory under the system temp dir, traversable by other users (the dev user runs from it), deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("zlh-agent-test-").FullName;
        UnixFile.SetMode(Path, (UnixFileMode)0b111_101_101);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes an executable shell script and returns its path.</summary>
    public string Script(string name, string body)
    {
        var path = Combine(name);
        File.WriteAllText(path, "#!/bin/sh\n" + body.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process a failed test left behind may still hold a file (a server may still write); the temp dir is swept by the OS.
        }
    }
}

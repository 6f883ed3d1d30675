namespace ZlhGrind.Agent.Processes;

/// <summary>Unix file-mode calls in one place: the agent runs on Linux only, and this is where that is stated once.</summary>
internal static class UnixFile
{
    public static void SetMode(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw NotLinux();
        }

        File.SetUnixFileMode(path, mode);
    }

    public static UnixFileMode GetMode(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw NotLinux();
        }

        return File.GetUnixFileMode(path);
    }

    /// <summary>Options for a new file created with <paramref name="mode"/> (before the umask), so it is never briefly wider.</summary>
    public static FileStreamOptions CreateNew(UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw NotLinux();
        }

        return new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Options = FileOptions.Asynchronous,
            UnixCreateMode = mode,
        };
    }

    private static PlatformNotSupportedException NotLinux() => new("the agent runs on Linux");
}

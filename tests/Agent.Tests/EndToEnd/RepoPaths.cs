namespace ZlhGrind.Agent.Tests.EndToEnd;

/// <summary>Finds the built agent and the stand-in server from the test's output directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The agent as built next to this test run (same configuration).</summary>
    public static string AgentDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            var path = Path.Combine(Root, "src", "Agent", "bin", configuration, "net10.0", "ZlhGrind.Agent.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build the agent first (it is a project reference of this test project).", path);
        }
    }

    public static string StandInServer => Path.Combine(Root, "tools", "StandInGameServer", "stand-in-server.sh");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ZlhGrind.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("ZlhGrind.sln not found above " + AppContext.BaseDirectory);
    }
}

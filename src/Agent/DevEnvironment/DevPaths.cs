namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>The dev environment's layout, resolved once from the options and whether the agent runs as root.</summary>
internal sealed class DevPaths
{
    public DevPaths(DevEnvironmentOptions options, bool runningAsRoot)
    {
        DataRoot = Path.GetFullPath(options.DataRoot);
        ManagesUser = options.ManageUser && runningAsRoot;
        UserName = options.UserName;
        HomeRoot = options.HomeRoot ?? (ManagesUser ? "/home" : Path.Combine(DataRoot, "home"));
        ProfilePath = options.ProfilePath ?? (ManagesUser ? SystemProfileDirectory + "/zlh-dev-path.sh" : Path.Combine(DataRoot, "dev", "profile.sh"));
        WorkspaceName = options.WorkspaceName;
    }

    public string DataRoot { get; }

    /// <summary>True when the agent is root and may create the dev user; otherwise everything runs as the current user.</summary>
    public bool ManagesUser { get; }

    /// <summary>The account name the home directory is named after (the dev user, also when running unmanaged).</summary>
    public string UserName { get; }

    public string HomeRoot { get; }

    public string ProfilePath { get; }

    public string WorkspaceName { get; }

    /// <summary>
    /// True when the profile is in /etc/profile.d, which every login shell reads through /etc/profile: then the agent
    /// leaves the user's own ~/.profile alone.
    /// </summary>
    public bool LoginShellsReadProfile => Path.GetDirectoryName(ProfilePath) == SystemProfileDirectory && ProfilePath.EndsWith(".sh", StringComparison.Ordinal);

    private const string SystemProfileDirectory = "/etc/profile.d";

    public string DefaultHome => Path.Combine(HomeRoot, UserName);

    public string ServicesRoot => Path.Combine(DataRoot, "services");

    public string StateRoot => Path.Combine(DataRoot, "state");

    public string TempRoot => Path.Combine(DataRoot, "tmp");
}

namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>Where the dev environment lives and who it runs as (section <c>Agent:Dev</c>).</summary>
internal sealed class DevEnvironmentOptions
{
    public const string SectionName = "Agent:Dev";

    /// <summary>Root of everything the agent installs: runtimes, services, state, temp files.</summary>
    public string DataRoot { get; set; } = "/opt/zlh";

    /// <summary>When running as root, create and use the dev user; when not root this is ignored and the current user is used.</summary>
    public bool ManageUser { get; set; } = true;

    /// <summary>The account the console and code-server run as (configurable so tests can use a throwaway one).</summary>
    public string UserName { get; set; } = "dev";

    /// <summary>Parent of the user's home; default /home when managing the user, else &lt;DataRoot&gt;/home.</summary>
    public string? HomeRoot { get; set; }

    /// <summary>The workspace directory's name inside the home.</summary>
    public string WorkspaceName { get; set; } = "workspace";

    /// <summary>Login shell of the dev user.</summary>
    public string Shell { get; set; } = "/bin/bash";

    public string Term { get; set; } = "xterm-256color";

    /// <summary>The system part of PATH, colon-separated, after the runtimes' bin directories.</summary>
    public string SystemPath { get; set; } = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>The one shell profile holding PATH; default /etc/profile.d/zlh-dev-path.sh when managing the user, else &lt;DataRoot&gt;/dev/profile.sh.</summary>
    public string? ProfilePath { get; set; }
}

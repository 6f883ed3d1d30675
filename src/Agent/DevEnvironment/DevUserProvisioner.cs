using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>
/// Makes sure the dev account and its workspace exist. As root it creates the user (useradd) and
/// <c>&lt;home&gt;/workspace</c> owned by it (through <see cref="UserHome"/>, never following a link the user planted); otherwise it uses the current user with a home under the data root.
/// </summary>
internal sealed class DevUserProvisioner(DevPaths paths, IOptions<DevEnvironmentOptions> options, ILogger<DevUserProvisioner> logger)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    public async Task<DevUser> EnsureAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!paths.ManagesUser)
        {
            var (uid, gid) = CurrentUser.EffectiveIds();
            Directory.CreateDirectory(paths.HomeRoot);
            var workspace = await PrepareHomeAsync(paths.DefaultHome, uid, gid, changeOwner: false, cancellationToken);
            return new DevUser(Environment.UserName, uid, gid, paths.DefaultHome, settings.Shell, workspace, IsAgentUser: true);
        }

        var account = await LookupAsync(paths.UserName, cancellationToken);
        if (account is null)
        {
            Directory.CreateDirectory(paths.HomeRoot);
            var (exitCode, _, error) = await CommandRunner.RunAsync(
                "useradd",
                ["--create-home", "--home-dir", paths.DefaultHome, "--shell", settings.Shell, "--user-group", paths.UserName],
                CommandTimeout,
                cancellationToken);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"useradd {paths.UserName} failed with exit code {exitCode}: {error}");
            }

            DevLog.UserCreated(logger, paths.UserName, paths.DefaultHome);
            account = await LookupAsync(paths.UserName, cancellationToken)
                ?? throw new InvalidOperationException($"user {paths.UserName} was created but cannot be found");
        }

        var user = account with { Shell = account.Shell.Length > 0 ? account.Shell : settings.Shell };
        var workspacePath = await PrepareHomeAsync(user.Home, user.Uid, user.Gid, changeOwner: true, cancellationToken);
        return user with { Workspace = workspacePath };
    }

    /// <summary>
    /// The home, the workspace and the ~/.profile hook, all through the home's directory descriptor: the user owns
    /// everything in there and may have planted links, which are refused (<see cref="UnsafeUserPathException"/>), never followed.
    /// </summary>
    private async Task<string> PrepareHomeAsync(string home, int uid, int gid, bool changeOwner, CancellationToken cancellationToken)
    {
        using var userHome = UserHome.Open(home, uid, gid, changeOwner);
        var workspace = userHome.EnsureDirectory(paths.WorkspaceName, uid, gid, changeOwner);
        if (!paths.LoginShellsReadProfile
            && await userHome.EnsureLineAsync(".profile", ShellProfile.SourceLine(paths.ProfilePath), uid, gid, changeOwner, cancellationToken))
        {
            DevLog.ProfileHooked(logger, home, paths.ProfilePath);
        }

        return workspace;
    }

    /// <summary>The account from the user database (getent, so NSS sources count too), or null when there is none.</summary>
    internal static async Task<DevUser?> LookupAsync(string name, CancellationToken cancellationToken)
    {
        var (exitCode, output, _) = await CommandRunner.RunAsync("getent", ["passwd", name], CommandTimeout, cancellationToken);
        if (exitCode != 0 || output.Length == 0)
        {
            return null;
        }

        // name:password:uid:gid:gecos:home:shell
        var fields = output.Split('\n')[0].Split(':');
        if (fields.Length < 7)
        {
            return null;
        }

        return new DevUser(
            fields[0],
            int.Parse(fields[2], CultureInfo.InvariantCulture),
            int.Parse(fields[3], CultureInfo.InvariantCulture),
            fields[5],
            fields[6],
            string.Empty,
            IsAgentUser: false);
    }
}

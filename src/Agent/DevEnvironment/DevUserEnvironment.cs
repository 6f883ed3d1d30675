using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>
/// What every dev process gets: the dev user, its workspace as working directory, and one clean environment
/// (HOME, USER, LOGNAME, TERM, SHELL, LANG and the one PATH that is also in the shell profile). The agent's
/// own environment is never passed on: it may hold the agent credential's location and other secrets.
/// </summary>
internal sealed class DevUserEnvironment(
    DevPaths paths,
    DevUserProvisioner provisioner,
    IOptions<DevEnvironmentOptions> options,
    ILogger<DevUserEnvironment> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DevUser? _user;
    private string? _path;

    public DevPaths Paths => paths;

    public DevUser User => _user ?? throw new InvalidOperationException("the dev environment is not prepared yet");

    /// <summary>The dev user once prepared, else null.</summary>
    public DevUser? PreparedUser => _user;

    /// <summary>The PATH every dev process gets (system directories only until runtimes are installed).</summary>
    public string CurrentPath => _path ?? PathNormalizer.Normalize([], options.Value.SystemPath);

    public async Task<DevUser> EnsureAsync(CancellationToken cancellationToken)
    {
        if (_user is { } user)
        {
            return user;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _user ??= await provisioner.EnsureAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Recomputes PATH from the active runtimes' bin directories and writes it to the profile.</summary>
    public async Task<string> UpdatePathAsync(IReadOnlyList<string> runtimeBinDirectories, CancellationToken cancellationToken)
    {
        var path = PathNormalizer.Normalize(runtimeBinDirectories, options.Value.SystemPath);
        if (await ShellProfile.WriteAsync(paths.ProfilePath, path, cancellationToken))
        {
            DevLog.PathWritten(logger, paths.ProfilePath, path);
        }

        _path = path;
        return path;
    }

    public IReadOnlyDictionary<string, string> Variables()
    {
        var user = User;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = user.Home,
            ["USER"] = user.Name,
            ["LOGNAME"] = user.Name,
            ["SHELL"] = user.Shell,
            ["TERM"] = options.Value.Term,
            ["LANG"] = "C.UTF-8",
            ["PATH"] = CurrentPath,
        };
    }

    /// <summary>A start description for a process that runs as the dev user in its workspace with the dev environment.</summary>
    public ProcessStartInfo CreateStartInfo(string fileName, IEnumerable<string> arguments)
    {
        var user = User;
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            WorkingDirectory = user.Workspace,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (key, value) in Variables())
        {
            start.Environment[key] = value;
        }

        if (!user.IsAgentUser)
        {
            // .NET switches uid, gid and supplementary groups in the child before exec.
            start.UserName = user.Name;
        }

        return start;
    }

    /// <summary>The console: the dev user's login shell, which also reads the profile.</summary>
    public ProcessStartInfo CreateConsoleStartInfo() => CreateStartInfo(User.Shell, ["-l"]);

    public void Dispose() => _gate.Dispose();
}

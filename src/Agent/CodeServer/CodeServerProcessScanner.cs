using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>
/// Finds the code-server this agent manages, and only that one: the process holding the socket that listens on the
/// configured address and port (/proc/net/tcp*, socket inode, /proc/[pid]/fd), running as the dev user, whose program
/// or first argument is in this agent's install directory. Another stack's IDE on the same host — another port, another
/// user or another install — is never adopted, so never stopped. The main process is the topmost such ancestor
/// (a release runs as <c>.../code-server/lib/node .../code-server</c> and may fork the listener).
/// </summary>
internal sealed class CodeServerProcessScanner(
    ProcFs procFs,
    CodeServerInstaller installer,
    DevUserEnvironment environment,
    IOptions<CodeServerOptions> options,
    ILogger<CodeServerProcessScanner> logger)
{
    public CodeServerProcess? Find()
    {
        // Whose it must be is only known once the dev user is prepared; until then nothing is ours.
        if (environment.PreparedUser is not { } user)
        {
            return null;
        }

        var settings = options.Value;
        var installDirectory = installer.InstallDirectory + "/";
        var sockets = procFs.ListeningSockets(IPAddress.Parse(settings.BindAddress), settings.Port);
        ProcEntry? found = null;
        foreach (var pid in procFs.ProcessesHolding(sockets))
        {
            if (procFs.Read(pid) is not { State: not 'Z' } entry || pid == Environment.ProcessId)
            {
                continue;
            }

            if (!RunsAs(pid, user.Uid))
            {
                CodeServerLog.NotAdopted(logger, pid, settings.Port, string.Create(CultureInfo.InvariantCulture, $"it does not run as the dev user {user.Name} (uid {user.Uid})"));
                continue;
            }

            if (!IsCodeServer(entry.CommandLine, installDirectory))
            {
                CodeServerLog.NotAdopted(logger, pid, settings.Port, $"it is not code-server from {installer.InstallDirectory}");
                continue;
            }

            var main = MainProcess(entry, installDirectory, user.Uid);
            if (found is null || main.StartTicks < found.StartTicks)
            {
                found = main;
            }
        }

        return found is null ? null : new CodeServerProcess(found.Pid, found.StartTicks, found.ProcessGroup, settings.Port);
    }

    /// <summary>Pids of whatever listens where code-server would bind (a wildcard on either side included), ours or not.</summary>
    public IReadOnlyList<int> PortHolders()
    {
        var settings = options.Value;
        return procFs.ProcessesHolding(procFs.ListeningSockets(IPAddress.Parse(settings.BindAddress), settings.Port, overlapping: true));
    }

    /// <summary>Whether the program or its first argument (the script an interpreter runs) is in <paramref name="installDirectory"/>; helper processes (<c>--type=…</c>) are not code-server itself.</summary>
    internal static bool IsCodeServer(IReadOnlyList<string> commandLine, string installDirectory) =>
        commandLine.Count > 0
        && !commandLine.Any(argument => argument.StartsWith("--type=", StringComparison.Ordinal))
        && commandLine.Take(2).Any(argument => argument.StartsWith(installDirectory, StringComparison.Ordinal));

    private bool RunsAs(int pid, int uid) => procFs.Uids(pid) is { } uids && uids.Real == uid && uids.Effective == uid;

    private ProcEntry MainProcess(ProcEntry listener, string installDirectory, int uid)
    {
        var main = listener;
        while (procFs.Read(main.ParentPid) is { } parent
            && parent.Pid != main.Pid
            && IsCodeServer(parent.CommandLine, installDirectory)
            && RunsAs(parent.Pid, uid))
        {
            main = parent;
        }

        return main;
    }
}

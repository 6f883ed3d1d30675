using System.Globalization;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.DevEnvironment;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>
/// Finds code-server by scanning /proc/*/cmdline, whoever started it: a process whose program or first argument is
/// in the install directory or on a path with a <c>code-server</c> directory or file name (a release runs as
/// <c>.../code-server/lib/node .../code-server</c>). Its helper processes (<c>--type=…</c>) and children are not it.
/// </summary>
internal sealed class CodeServerProcessScanner(ProcFs procFs, CodeServerInstaller installer, IOptions<CodeServerOptions> options)
{
    public CodeServerProcess? Find()
    {
        var self = Environment.ProcessId;
        var installDirectory = installer.InstallDirectory + "/";
        var anywhere = options.Value.DetectOtherInstalls;
        var candidates = procFs.Snapshot()
            .Where(entry => entry.Pid != self && entry.State != 'Z' && IsCodeServer(entry.CommandLine, installDirectory, anywhere))
            .ToList();
        var pids = candidates.Select(entry => entry.Pid).ToHashSet();

        // The main process is the one whose parent is not itself code-server.
        var main = candidates.Where(entry => !pids.Contains(entry.ParentPid)).MinBy(entry => entry.StartTicks);
        return main is null ? null : new CodeServerProcess(main.Pid, main.StartTicks, main.ProcessGroup, BindPort(main.CommandLine));
    }

    internal static bool IsCodeServer(IReadOnlyList<string> commandLine, string installDirectory, bool anywhere)
    {
        if (commandLine.Count == 0 || commandLine.Any(argument => argument.StartsWith("--type=", StringComparison.Ordinal)))
        {
            return false;
        }

        return commandLine.Take(2).Any(argument =>
            argument.StartsWith(installDirectory, StringComparison.Ordinal)
            || (anywhere && argument.Split('/').Contains("code-server", StringComparer.Ordinal)));
    }

    internal static int? BindPort(IReadOnlyList<string> commandLine)
    {
        for (var i = 0; i < commandLine.Count; i++)
        {
            string? value = null;
            if (commandLine[i] == "--bind-addr" && i + 1 < commandLine.Count)
            {
                value = commandLine[i + 1];
            }
            else if (commandLine[i].StartsWith("--bind-addr=", StringComparison.Ordinal))
            {
                value = commandLine[i]["--bind-addr=".Length..];
            }

            var colon = value?.LastIndexOf(':') ?? -1;
            if (value is not null && colon > 0
                && int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                return port;
            }
        }

        return null;
    }
}

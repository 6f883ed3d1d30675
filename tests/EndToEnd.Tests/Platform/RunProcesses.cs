using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ZlhGrind.EndToEnd.Tests.Platform;

/// <summary>
/// The processes a run leaves under its folder. An agent deliberately leaves its game server running when it ends
/// (the next agent reattaches), so whoever started agents ends their game servers, by the PIDs in the launch records
/// they wrote, and then checks that no process of the run remains.
/// </summary>
internal static class RunProcesses
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>
    /// SIGKILLs every game server recorded in <c>{root}/agents/*/game/run/launch.json</c> that still runs: the shim's
    /// session (the shim leads its own process group, the server is in it) and the server itself; each only while it
    /// is still that very process (same start time), so a recycled PID is never hit. Then every shim still running
    /// <c>{root}/agents/*/game/run/shim.sh</c>, with its session.
    /// </summary>
    public static void StopGameServers(string root)
    {
        var agents = Path.Combine(root, "agents");
        if (!Directory.Exists(agents))
        {
            return;
        }

        foreach (var agent in Directory.EnumerateDirectories(agents))
        {
            var record = Path.Combine(agent, "game", "run", "launch.json");
            if (!File.Exists(record))
            {
                continue;
            }

            using var launch = JsonDocument.Parse(File.ReadAllText(record));
            var (shim, shimStart) = Identity(launch.RootElement.GetProperty("Shim"));
            var (server, serverStart) = Identity(launch.RootElement.GetProperty("Server"));
            if (StartTicks(shim) == shimStart)
            {
                Signals.Kill(-shim);
            }

            if (StartTicks(server) == serverStart)
            {
                Signals.Kill(server);
            }
        }

        // An agent that ended while a launch was under way wrote no record: its shim is found by its own script.
        foreach (var (pid, commandLine) in Under(root))
        {
            if (commandLine.Split(' ') is [_, var script, ..]
                && script.StartsWith(agents + "/", StringComparison.Ordinal)
                && script.EndsWith("/game/run/shim.sh", StringComparison.Ordinal))
            {
                Signals.Kill(-pid);
            }
        }
    }

    /// <summary>
    /// Waits until no process runs under <paramref name="root"/> (its command line names it, or its working directory
    /// is inside it); those still there after the wait are described and ended by their PIDs (they were started by this run).
    /// </summary>
    public static async Task<IReadOnlyList<string>> LeftOverAsync(string root)
    {
        var clock = Stopwatch.StartNew();
        var found = Under(root);
        while (found.Count > 0 && clock.Elapsed < Patience)
        {
            // Across a process boundary there is no barrier: the kernel's process table is polled.
            await Task.Delay(TimeSpan.FromMilliseconds(100));
            found = Under(root);
        }

        foreach (var (pid, _) in found)
        {
            Signals.Kill(pid);
        }

        return [.. found.Select(p => $"{p.Pid.ToString(CultureInfo.InvariantCulture)}: {p.CommandLine}")];
    }

    /// <summary>Living processes (not zombies) whose command line names <paramref name="root"/> or whose working directory is inside it.</summary>
    public static List<(int Pid, string CommandLine)> Under(string root)
    {
        var inside = Path.TrimEndingDirectorySeparator(root) + "/";
        var found = new List<(int, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                var cwd = new DirectoryInfo(Path.Combine(dir, "cwd")).LinkTarget;
                var named = commandLine.Contains(root, StringComparison.Ordinal);
                var within = cwd is not null && (cwd + "/").StartsWith(inside, StringComparison.Ordinal);
                if ((named || within) && StartTicks(pid) is not null)
                {
                    found.Add((pid, commandLine));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone while we looked, or not ours to read.
            }
        }

        return found;
    }

    private static (int Pid, ulong StartTicks) Identity(JsonElement process) =>
        (process.GetProperty("Pid").GetInt32(), process.GetProperty("StartTicks").GetUInt64());

    /// <summary>Field 22 of <c>/proc/PID/stat</c> of a living (not zombie) process, or null when there is none.</summary>
    public static ulong? StartTicks(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) may hold spaces and parentheses: the fields after it start behind the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[0] == "Z" ? null : ulong.Parse(fields[19], CultureInfo.InvariantCulture);
    }
}

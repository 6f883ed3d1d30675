using System.Globalization;
using ZlhGrind.Agent.DevEnvironment;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>Sends a signal to a process or its whole group with kill(1); .NET itself can only SIGKILL.</summary>
internal static class ProcessSignals
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Signals the group when the process leads one (code-server's helpers then go too), else the process.</summary>
    public static async Task<bool> SendAsync(CodeServerProcess process, string signal, CancellationToken cancellationToken)
    {
        var target = process.ProcessGroup == process.Pid
            ? "-" + process.Pid.ToString(CultureInfo.InvariantCulture)
            : process.Pid.ToString(CultureInfo.InvariantCulture);
        var (exitCode, _, _) = await CommandRunner.RunAsync("kill", ["-s", signal, "--", target], CommandTimeout, cancellationToken);
        return exitCode == 0;
    }
}

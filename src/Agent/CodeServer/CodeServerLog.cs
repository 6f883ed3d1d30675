using Microsoft.Extensions.Logging;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>The code-server addon's log events.</summary>
internal static partial class CodeServerLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Installing code-server from {ArtifactUrl} ({SizeBytes} bytes)")]
    public static partial void Installing(ILogger logger, Uri artifactUrl, long sizeBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "code-server {Version} installed in {InstallDirectory}")]
    public static partial void Installed(ILogger logger, string version, string installDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "code-server {State} (pid {Pid}): {Reason}")]
    public static partial void StateChanged(ILogger logger, CodeServerState state, int? pid, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "code-server already running as pid {Pid} on port {Port} as the dev user; adopted")]
    public static partial void Adopted(ILogger logger, int pid, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pid {Pid} listens on the IDE port {Port} but is not adopted: {Reason}")]
    public static partial void NotAdopted(ILogger logger, int pid, int port, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "code-server pid {Pid} was killed but its exit was not seen")]
    public static partial void ExitNotSeen(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Debug, Message = "code-server: {Line}")]
    public static partial void Output(ILogger logger, string line);
}

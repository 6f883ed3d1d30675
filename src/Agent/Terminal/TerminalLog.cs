using Microsoft.Extensions.Logging;

namespace ZlhGrind.Agent.Terminal;

/// <summary>The dev terminal's log events. Input and output never appear in them.</summary>
internal static partial class TerminalLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Terminal {SessionId} opened: shell {Shell} pid {Pid} as {UserName}")]
    public static partial void Opened(ILogger logger, string sessionId, string shell, int pid, string userName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Terminal {SessionId} ending: {Reason}")]
    public static partial void Ending(ILogger logger, string sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Terminal {SessionId} ended: shell pid {Pid} exited with wait status {WaitStatus}")]
    public static partial void Ended(ILogger logger, string sessionId, int pid, int waitStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Terminal {SessionId}: shell pid {Pid} outlived SIGHUP by {EndTimeout}; killing its process group")]
    public static partial void Killing(ILogger logger, string sessionId, int pid, TimeSpan endTimeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Terminal {SessionId}: an output subscriber failed and was detached")]
    public static partial void SubscriberFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Terminal refused: {Count} sessions are open, the limit is {MaxSessions}")]
    public static partial void LimitReached(ILogger logger, int count, int maxSessions);
}
